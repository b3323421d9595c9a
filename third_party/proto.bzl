"""cc_grpc_proto: compile one .proto with the system protoc + grpc_cpp_plugin.

Debian's Bazel 4.2.3 has no working rules_proto offline, so a genrule runs
/usr/bin/protoc (protobuf-compiler) with /usr/bin/grpc_cpp_plugin
(protobuf-compiler-grpc) and a cc_library wraps the generated files.

Paths are workspace-relative (protoc -I.), so proto/foo.proto is imported as
"proto/foo.proto" and its headers are included as "proto/foo.pb.h" and
"proto/foo.grpc.pb.h". Well-known types (google/protobuf/*.proto) come from
/usr/include.

Usage (in proto/BUILD.bazel):
    load("//third_party:proto.bzl", "cc_grpc_proto")

    cc_grpc_proto(
        name = "edgellm_proto",          # the cc_library to depend on
        src = "edgellm.proto",
        deps = [":common_proto"],        # other cc_grpc_proto targets it imports
        grpc = True,                     # False: messages only (no service stubs)
    )
"""

def cc_grpc_proto(name, src, deps = [], grpc = True, visibility = None, **kwargs):
    base = src[:-len(".proto")]
    outs = [base + ".pb.h", base + ".pb.cc"]
    if grpc:
        outs += [base + ".grpc.pb.h", base + ".grpc.pb.cc"]

    # The .proto itself, so cc_grpc_proto targets that import it can see it.
    native.filegroup(
        name = name + "_srcs",
        srcs = [src] + [d + "_srcs" for d in deps],
        visibility = visibility,
    )

    cmd = "protoc -I. -I/usr/include --cpp_out=$(GENDIR)"
    if grpc:
        cmd += " --grpc_out=$(GENDIR) --plugin=protoc-gen-grpc=$$(command -v grpc_cpp_plugin)"
    cmd += " $(location %s)" % src

    native.genrule(
        name = name + "_gen",
        srcs = [src] + [d + "_srcs" for d in deps],
        outs = outs,
        cmd = cmd,
        message = "protoc " + src,
    )

    native.cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        deps = deps + (
            ["@system_libs//:grpc"] if grpc else ["@system_libs//:protobuf"]
        ),
        visibility = visibility,
        **kwargs
    )
