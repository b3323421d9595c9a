"""Collects plugin libraries into one folder, the default plugin directory of the tools."""

def _copy(label, target_compatible_with):
    base = label.split(":")[-1]
    native.genrule(
        name = "copy_" + base.replace(".", "_"),
        srcs = [label],
        outs = [base],
        cmd = "cp $< $@",
        target_compatible_with = target_compatible_with,
    )
    return base

def plugin_dir(name, plugins, x86_64_plugins = [], aarch64_plugins = []):
    """Copies each plugin .so into this package, so they sit together in bazel-bin/<pkg>/ and in
    the runfiles of every target that depends on `name` (the tools' default plugin folder).

    Args:
      name: the filegroup to depend on (as `data`).
      plugins: labels of cc_binary(linkshared = True) plugin libraries for every CPU.
      x86_64_plugins: plugins built only for x86-64 targets (AVX2, AVX-512 backends).
      aarch64_plugins: plugins built only for aarch64 targets (the NEON backend).
    """
    outs = [_copy(label, []) for label in plugins]
    x86_64_outs = [_copy(label, ["@platforms//cpu:x86_64"]) for label in x86_64_plugins]
    aarch64_outs = [_copy(label, ["@platforms//cpu:aarch64"]) for label in aarch64_plugins]
    native.filegroup(
        name = name,
        srcs = outs + select({
            "//third_party/toolchains:aarch64": aarch64_outs,
            "//third_party/toolchains:x86_64": x86_64_outs,
            "//conditions:default": [],
        }),
        visibility = ["//visibility:public"],
    )
