// q4_K x q8_K dot product, AVX-512: common/scale_min_k4_x86.h's VecDotK4Avx512 (shared with
// q5_K; with and without VNNI). One 512-bit step covers a pair of sub-blocks: the 32 bytes of
// quants are broadcast to both halves, the low half keeps the low nibbles (sub-block 2c), the
// high half the high nibbles (sub-block 2c+1), which lines them up with 64 contiguous q8 bytes.
// The batched kernels (prefill) are common/scale_min_k4_batch_x86.h's, with vec_dot's bits.
#if defined(__x86_64__)

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/scale_min_k4_batch_x86.h"
#include "quant_formats/common/scale_min_k4_x86.h"
#include "quant_formats/q4_K/q4_K.h"

namespace edgellm::quant::q4_K {

namespace avx512 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX512, kAvx512VnniFeatures,
                    x86::VecDotK4Avx512<true, MinTerm::kLanes4, BlockQ4_K, false>,
                    x86::VecDotBatchK4Avx512<true, MinTerm::kLanes4, BlockQ4_K, false>, nullptr,
                    nullptr, kBatchMatchesVecDot},
                   {EDGE_ISA_AVX512, kAvx512Features,
                    x86::VecDotK4Avx512<false, MinTerm::kLanes4, BlockQ4_K, false>,
                    x86::VecDotBatchK4Avx512<false, MinTerm::kLanes4, BlockQ4_K, false>, nullptr,
                    nullptr, kBatchMatchesVecDot});
}  // namespace avx512

}  // namespace edgellm::quant::q4_K

#endif  // defined(__x86_64__)
