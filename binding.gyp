{
  "targets": [
    {
      "target_name": "tributary",
      "sources": [
        "native/addon.cc",
        "native/batch_scan.cc",
        "native/batch_verifier.cc",
        "native/crc32c.cc",
        "native/js_batch_scan.cc",
        "native/js_crc32c.cc",
        "native/js_file_limit.cc",
        "native/js_file_lock.cc",
        "native/js_index.cc",
        "native/js_record_scan.cc",
        "native/js_segment.cc",
        "native/js_support.cc",
        "native/mapped_file.cc",
        "native/mapped_index.cc",
        "native/offset_index.cc",
        "native/record_scan.cc",
        "native/segment.cc",
        "native/status.cc",
        "native/time_index.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-fno-exceptions", "-Wall", "-Wextra", "-O2"],
      "xcode_settings": {
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "GCC_ENABLE_CPP_EXCEPTIONS": "NO"
      }
    }
  ]
}
