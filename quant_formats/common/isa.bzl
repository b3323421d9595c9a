"""Per-ISA kernel libraries of the quant-format plugins.

x86 kernel libraries carry X86_64_ONLY, NEON ones are made by neon_kernels() for aarch64 only, and
each plugin picks its set with isa_kernels(), so `bazel build //...` builds the right kernels for
the target CPU (scalar + AVX2 + AVX-512 on x86-64, scalar + NEON on aarch64).
"""

X86_64_ONLY = ["@platforms//cpu:x86_64"]

AARCH64_ONLY = ["@platforms//cpu:aarch64"]

# Plain ARMv8-A Advanced SIMD, which every aarch64 CPU has (Cortex-A53/A72: Raspberry Pi 3/4).
NEON_COPTS = ["-march=armv8-a"]

# The optional ARMv8.2-A extensions a second NEON build of a format may use.
NEON_EXTENSION_COPTS = {
    # sdot/udot (vdotq_s32): Cortex-A55/A76 and later.
    "dotprod": ["-march=armv8.2-a+dotprod"],
    # fp16 vector arithmetic (vfmaq_f16): the same cores.
    "fp16": ["-march=armv8.2-a+fp16"],
}

def neon_kernels(name, srcs, copts, deps, extension = "dotprod"):
    """The NEON kernels of a format, for aarch64 targets only.

    `name` builds srcs for plain NEON; with an extension, `name`_<extension> builds the same srcs
    again with it (the sources name their functions by the feature macros, see
    common/neon_simd.h), so a plugin can offer both and the host picks by CPU features.

    Args:
      name: library name, <format>_neon by convention.
      srcs: the <format>_neon.cc file.
      copts: the format's common copts (-fvisibility=hidden, -ffp-contract=off).
      deps: the format's scalar library and //quant_formats/common.
      extension: "dotprod", "fp16" or None (plain NEON only).
    """
    native.cc_library(
        name = name,
        srcs = srcs,
        copts = copts + NEON_COPTS,
        target_compatible_with = AARCH64_ONLY,
        deps = deps,
    )
    if extension:
        native.cc_library(
            name = name + "_" + extension,
            srcs = srcs,
            copts = copts + NEON_EXTENSION_COPTS[extension],
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
