// q5_K x q8_K dot product, AVX-512: common/scale_min_k4_x86.h's VecDotK4Avx512 (shared with q4_K),
// the fifth bits from a byte test of qh against bit 2c (low half) / 2c+1 (high half). Without
// VNNI: vpmaddubsw, vpmaddwd by the scales, vpaddd; with VNNI the last two fuse into vpdpwssd.
// The batched kernels (prefill) are common/scale_min_k4_batch_x86.h's, with vec_dot's bits.
#if defined(__x86_64__)

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/scale_min_k4_batch_x86.h"
#include "quant_formats/common/scale_min_k4_x86.h"
#include "quant_formats/q5_K/q5_K.h"

namespace edgellm::quant::q5_K {

namespace avx512 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX512, kAvx512VnniFeatures,
                    x86::VecDotK4Avx512<true, MinTerm::kSum, BlockQ5_K, true>,
                    x86::VecDotBatchK4Avx512<true, MinTerm::kSum, BlockQ5_K, true>, nullptr,
                    nullptr, kBatchMatchesVecDot},
                   {EDGE_ISA_AVX512, kAvx512Features,
                    x86::VecDotK4Avx512<false, MinTerm::kSum, BlockQ5_K, true>,
                    x86::VecDotBatchK4Avx512<false, MinTerm::kSum, BlockQ5_K, true>, nullptr,
                    nullptr, kBatchMatchesVecDot});
}  // namespace avx512

}  // namespace edgellm::quant::q5_K

#endif  // defined(__x86_64__)
