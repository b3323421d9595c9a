"""Collects plugin libraries into one folder, the default plugin directory of the tools."""

def plugin_dir(name, plugins):
    """Copies each plugin .so into this package, so they sit together in bazel-bin/<pkg>/ and in
    the runfiles of every target that depends on `name` (the tools' default plugin folder).

    Args:
      name: the filegroup to depend on (as `data`).
      plugins: labels of cc_binary(linkshared = True) plugin libraries.
    """
    outs = []
    for label in plugins:
        base = label.split(":")[-1]
        copy = "copy_" + base.replace(".", "_")
        native.genrule(
            name = copy,
            srcs = [label],
            outs = [base],
            cmd = "cp $< $@",
        )
        outs.append(base)
    native.filegroup(
        name = name,
        srcs = outs,
        visibility = ["//visibility:public"],
    )
