"""Per-ISA kernel libraries of the quant-format plugins.

x86 kernel libraries carry X86_64_ONLY, NEON ones are made by neon_kernels() for aarch64 only, and
each plugin picks its set with isa_kernels(), so `bazel build //...` builds the right kernels for
the target CPU (scalar + AVX2 + AVX-512 on x86-64, scalar + NEON on aarch64).
"""

X86_64_ONLY = ["@platforms//cpu:x86_64"]

AARCH64_ONLY = ["@platforms//cpu:aarch64"]

# Plain ARMv8-A Advanced SIMD, which every aarch64 CPU has (Cortex-A53/A72: Raspberry Pi 3/4).
NEON_COPTS = ["-march=armv8-a"]

# ARMv8.2-A with the dot-product extension (sdot/udot, vdotq_s32): Cortex-A55/A76 and later.
NEON_DOTPROD_COPTS = ["-march=armv8.2-a+dotprod"]

def neon_kernels(name, srcs, copts, deps, dotprod = True):
    """The NEON kernels of a format, for aarch64 targets only.

    `name` builds srcs for plain NEON; with dotprod, `name`_dotprod builds the same srcs again with
    the dot-product extension (the sources name their functions by __ARM_FEATURE_DOTPROD, see
    common/neon_simd.h), so a plugin can offer both and the host picks by CPU features.

    Args:
      name: library name, <format>_neon by convention.
      srcs: the <format>_neon.cc file.
      copts: the format's common copts (-fvisibility=hidden, -ffp-contract=off).
      deps: the format's scalar library and //quant_formats/common.
      dotprod: also build the dot-product variant.
    """
    native.cc_library(
        name = name,
        srcs = srcs,
        copts = copts + NEON_COPTS,
        target_compatible_with = AARCH64_ONLY,
        deps = deps,
    )
    if dotprod:
        native.cc_library(
            name = name + "_dotprod",
            srcs = srcs,
            copts = copts + NEON_DOTPROD_COPTS,
            target_compatible_with = AARCH64_ONLY,
            deps = deps,
        )

def isa_kernels(x86_64, aarch64):
    """Deps of a plugin .so: the x86-64 or the aarch64 kernel libraries of the target CPU."""
    return select({
        "//third_party/toolchains:aarch64": aarch64,
        "//third_party/toolchains:x86_64": x86_64,
        "//conditions:default": [],
    })
