{
  # The node-gyp route over the same sources and the same LibTorch discovery as CMakeLists.txt.
  # cmake-js is the primary build (it has the precompiled header); this one stays working.
  "targets": [{
    "target_name": "torchnode",
    "sources": ["<!@(node -p \"['native', 'native/distributed'].flatMap(d => require('fs').readdirSync(d).filter(f => f.endsWith('.cc')).map(f => d + '/' + f)).join(' ')\")"],
    "include_dirs": [
      "<!@(node -p \"require('node-addon-api').include\")",
      "<!@(node tools/libtorch-paths.mjs include)"
    ],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS", "TORCHNODE_TORCH_VERSION=\"<!(node tools/libtorch-paths.mjs version)\""],
    "cflags!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-Wno-unused-parameter"],
    "libraries": [
      "-L<!(node tools/libtorch-paths.mjs libdir)",
      "<!@(node tools/libtorch-paths.mjs libs)",
      "-Wl,-rpath,<!(node tools/libtorch-paths.mjs libdir)"
    ]
  }, {
    # The GC guard module (native/gc/guard.cc): experimental Node-API version, no LibTorch.
    "target_name": "torchnode_gc",
    "product_prefix": "",
    "product_extension": "so",
    "sources": ["native/gc/guard.cc"],
    "defines": ["NAPI_EXPERIMENTAL", "NAPI_VERSION=2147483647"]
  }]
}
