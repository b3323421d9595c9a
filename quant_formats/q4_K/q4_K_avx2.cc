// q4_K x q8_K dot product, AVX2: common/scale_min_k4_x86.h's VecDotK4Avx2 (shared with q5_K), in
// ggml's AVX2 order, so the result is the same float. The batched kernel (prefill) is
// common/scale_min_k4_batch_x86.h's, with vec_dot's bits.
#if defined(__x86_64__)

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/scale_min_k4_batch_x86.h"
#include "quant_formats/common/scale_min_k4_x86.h"
#include "quant_formats/q4_K/q4_K.h"

namespace edgellm::quant::q4_K {

namespace avx2 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX2, kAvx2Features,
                    x86::VecDotK4Avx2<MinTerm::kLanes4, BlockQ4_K, false>,
                    x86::VecDotBatchK4Avx2<MinTerm::kLanes4, BlockQ4_K, false>, nullptr, nullptr,
                    kBatchMatchesVecDot});
}  // namespace avx2

}  // namespace edgellm::quant::q4_K

#endif  // defined(__x86_64__)
