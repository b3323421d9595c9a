"""One call declares a quant-format plugin: its per-ISA kernel libraries and its .so.

A format folder <name>/ holds <name>.h, <name>_scalar.cc, <name>_avx2.cc, <name>_avx512.cc,
<name>_neon.cc and plugin.cc (see format_plugin.h), and its BUILD.bazel is

    quant_format_plugin(name = "<name>")

`bazel build //...` then builds the kernels of the target CPU only: scalar + AVX2 + AVX-512 on
x86-64, scalar + NEON (+ one ARMv8.2-A extension build) on aarch64.
"""

X86_64_ONLY = ["@platforms//cpu:x86_64"]

AARCH64_ONLY = ["@platforms//cpu:aarch64"]

# -fvisibility=hidden: only edgellm_plugin_v1 leaves the .so.
# -ffp-contract=off: ggml's reference code rounds after every multiply and add; a fused
# multiply-add the compiler chose would change bytes (SIMD kernels ask for FMA explicitly).
COPTS = [
    "-fvisibility=hidden",
    "-ffp-contract=off",
]

AVX2_COPTS = COPTS + [
    "-mavx2",
    "-mfma",
    "-mf16c",
]

AVX512_COPTS = AVX2_COPTS + [
    "-mavx512f",
    "-mavx512bw",
    "-mavx512vl",
    "-mavx512dq",
    "-mavx512vnni",
    "-mavx512bf16",
]

# Plain ARMv8-A Advanced SIMD, which every aarch64 CPU has (Cortex-A53/A72: Raspberry Pi 3/4).
NEON_COPTS = COPTS + ["-march=armv8-a"]

# The optional ARMv8.2-A extensions a second NEON build of a format may use. The sources name
# their functions by the feature macros (common/neon_simd.h), so both builds link into one .so and
# the host picks by CPU features.
NEON_EXTENSION_COPTS = {
    # sdot/udot (vdotq_s32): Cortex-A55/A76 and later.
    "dotprod": COPTS + ["-march=armv8.2-a+dotprod"],
    # fp16 vector arithmetic (vfmaq_f16): the same cores.
    "fp16": COPTS + ["-march=armv8.2-a+fp16"],
}

def _kernel_sets_define(namespaces):
    return "EDGELLM_FORMAT_KERNEL_SETS=" + ",".join(["&" + ns + "::kKernels" for ns in namespaces])

def quant_format_plugin(name, neon_extension = "dotprod", scalar_visibility = None, test = False):
    """Declares the kernels and the plugin .so of the quant format `name`.

    Targets: <name>_scalar (the reference kernels and <name>.h, for tests), <name>_avx2,
    <name>_avx512 (x86-64 only), <name>_neon and <name>_neon_<neon_extension> (aarch64 only), and
    libedgellm_format_<name>.so, the plugin the host dlopens.

    Args:
      name: the format's folder name, ggml's type name in lower case (q4_K, q8_0, bf16).
      neon_extension: "dotprod", "fp16" or None: the ARMv8.2-A extension of the second NEON build.
      scalar_visibility: who else may depend on <name>_scalar (default: this package only).
      test: also declare <name>_test from <name>_test.cc, a GoogleTest of the built plugin (loaded
        from its runfiles with common/format_test_util.h) and of <name>_scalar.
    """
    native.cc_library(
        name = name + "_scalar",
        srcs = [name + "_scalar.cc"],
        hdrs = [name + ".h"],
        copts = COPTS,
        visibility = scalar_visibility,
        deps = ["//quant_formats/common"],
    )
    kernel_deps = [
        ":" + name + "_scalar",
        "//quant_formats/common",
    ]
    isa_libs = {
        "avx2": AVX2_COPTS,
        "avx512": AVX512_COPTS,
    }
    for isa, copts in isa_libs.items():
        native.cc_library(
            name = name + "_" + isa,
            srcs = [name + "_" + isa + ".cc"],
            copts = copts,
            target_compatible_with = X86_64_ONLY,
            deps = kernel_deps,
        )
    neon_libs = [name + "_neon"]
    native.cc_library(
        name = name + "_neon",
        srcs = [name + "_neon.cc"],
        copts = NEON_COPTS,
        target_compatible_with = AARCH64_ONLY,
        deps = kernel_deps,
    )
    if neon_extension:
        neon_libs.append(name + "_neon_" + neon_extension)
        native.cc_library(
            name = name + "_neon_" + neon_extension,
            srcs = [name + "_neon.cc"],
            copts = NEON_EXTENSION_COPTS[neon_extension],
            target_compatible_with = AARCH64_ONLY,
            deps = kernel_deps,
        )
    # The kernel sets plugin.cc offers, best first (format_plugin.h EDGELLM_QUANT_FORMAT_PLUGIN):
    # exactly those of the libraries linked in.
    x86_64_sets = ["avx512", "avx2", "scalar"]
    aarch64_sets = (["neon_" + neon_extension] if neon_extension else []) + ["neon", "scalar"]
    native.cc_binary(
        name = "libedgellm_format_" + name + ".so",
        srcs = ["plugin.cc"],
        copts = COPTS,
        linkshared = True,
        local_defines = select({
            "//third_party/toolchains:aarch64": [_kernel_sets_define(aarch64_sets)],
            "//third_party/toolchains:x86_64": [_kernel_sets_define(x86_64_sets)],
            "//conditions:default": [_kernel_sets_define(["scalar"])],
        }),
        visibility = ["//visibility:public"],
        deps = kernel_deps + ["//core/plugin:abi"] + select({
            "//third_party/toolchains:aarch64": [":" + lib for lib in neon_libs],
            "//third_party/toolchains:x86_64": [":" + name + "_" + isa for isa in isa_libs],
            "//conditions:default": [],
        }),
    )
    if test:
        native.cc_test(
            name = name + "_test",
            srcs = [name + "_test.cc"],
            data = [":libedgellm_format_" + name + ".so"],
            deps = kernel_deps + [
                "//quant_formats/common:format_test_util",
                "@system_libs//:gtest_main",
            ],
        )
