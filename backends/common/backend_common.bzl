"""The shared backend code as one cc_library per ISA."""

def backend_common(name, copts, target_compatible_with = []):
    native.cc_library(
        name = name,
        srcs = [
            "attention.cc",
            "backend_table.cc",
            "kernel_selection.cc",
            "kv_write.cc",
            "matmul.cc",
            "row_ops.cc",
        ],
        hdrs = [
            "attention.h",
            "backend_context.h",
            "backend_table.h",
            "kernel_selection.h",
            "kv_write.h",
            "matmul.h",
            "row_ops.h",
        ],
        copts = ["-fvisibility=hidden", "-ffp-contract=off"] + copts,
        target_compatible_with = target_compatible_with,
        deps = [
            ":thread_pool",
            "//core/plugin:abi",
            "@system_libs//:absl",
        ],
    )
