// Test data: a shared library that is not an edgellm plugin (no edgellm_plugin_v1 symbol).
extern "C" __attribute__((visibility("default"))) int not_a_plugin(void) { return 42; }
