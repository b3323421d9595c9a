// q5_K x q8_K dot product, AVX2: common/scale_min_k4_x86.h's VecDotK4Avx2 (shared with q4_K), low
// nibbles and high bits merged into 5-bit bytes in registers. Same operation order as ggml's AVX2
// kernel, so the result is the same float. The batched kernel (prefill) is
// common/scale_min_k4_batch_x86.h's, with vec_dot's bits.
#if defined(__x86_64__)

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/scale_min_k4_batch_x86.h"
#include "quant_formats/common/scale_min_k4_x86.h"
#include "quant_formats/q5_K/q5_K.h"

namespace edgellm::quant::q5_K {

namespace avx2 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX2, kAvx2Features, x86::VecDotK4Avx2<MinTerm::kSum, BlockQ5_K, true>,
                    x86::VecDotBatchK4Avx2<MinTerm::kSum, BlockQ5_K, true>, nullptr, nullptr,
                    kBatchMatchesVecDot});
}  // namespace avx2

}  // namespace edgellm::quant::q5_K

#endif  // defined(__x86_64__)
