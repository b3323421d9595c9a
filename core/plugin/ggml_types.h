/* GGUF tensor type ids: ggml's enum ggml_type (ggml.h), the value a GGUF file stores for each
 * tensor (GGUF spec, "ggml_type"), spelled as ggml spells the types. The one list of them in
 * edgellm: formats, the model, the KV cache and the tools name ids through it. Plain C, part of
 * the plugin ABI (a format plugin's type_id and vec_dot_type are these values).
 *
 * EDGE_GGML_TYPE_LIST(X) calls X(NAME, id) for every id ggml has assigned, retired ones included
 * (their ids are never reused), in id order. */
#ifndef EDGELLM_CORE_PLUGIN_GGML_TYPES_H_
#define EDGELLM_CORE_PLUGIN_GGML_TYPES_H_

#define EDGE_GGML_TYPE_LIST(X) \
  X(F32, 0)                    \
  X(F16, 1)                    \
  X(Q4_0, 2)                   \
  X(Q4_1, 3)                   \
  X(Q4_2, 4) /* retired */     \
  X(Q4_3, 5) /* retired */     \
  X(Q5_0, 6)                   \
  X(Q5_1, 7)                   \
  X(Q8_0, 8)                   \
  X(Q8_1, 9)                   \
  X(Q2_K, 10)                  \
  X(Q3_K, 11)                  \
  X(Q4_K, 12)                  \
  X(Q5_K, 13)                  \
  X(Q6_K, 14)                  \
  X(Q8_K, 15)                  \
  X(IQ2_XXS, 16)               \
  X(IQ2_XS, 17)                \
  X(IQ3_XXS, 18)               \
  X(IQ1_S, 19)                 \
  X(IQ4_NL, 20)                \
  X(IQ3_S, 21)                 \
  X(IQ2_S, 22)                 \
  X(IQ4_XS, 23)                \
  X(I8, 24)                    \
  X(I16, 25)                   \
  X(I32, 26)                   \
  X(I64, 27)                   \
  X(F64, 28)                   \
  X(IQ1_M, 29)                 \
  X(BF16, 30)                  \
  X(Q4_0_4_4, 31) /* retired */ \
  X(Q4_0_4_8, 32) /* retired */ \
  X(Q4_0_8_8, 33) /* retired */ \
  X(TQ1_0, 34)                 \
  X(TQ2_0, 35)                 \
  X(IQ4_NL_4_4, 36) /* retired */ \
  X(IQ4_NL_4_8, 37) /* retired */ \
  X(IQ4_NL_8_8, 38) /* retired */ \
  X(MXFP4, 39)

#define EDGE_GGML_TYPE_ENUM_ENTRY_(name, id) EDGE_GGML_TYPE_##name = id,
typedef enum EdgeGgmlType { EDGE_GGML_TYPE_LIST(EDGE_GGML_TYPE_ENUM_ENTRY_) } EdgeGgmlType;
#undef EDGE_GGML_TYPE_ENUM_ENTRY_

#endif /* EDGELLM_CORE_PLUGIN_GGML_TYPES_H_ */
