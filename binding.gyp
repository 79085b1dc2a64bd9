{
  # Every native target of the project. node-gyp drives the build; its defaults disable C++
  # exceptions and RTTI, which Boost.Asio/Beast rely on, so each target turns them back on.
  # `Sanitize` is a third configuration (build/Sanitize) with AddressSanitizer and UBSan, built by
  # scripts/sanitize.sh next to the normal Release build; `Tsan` a fourth (build/Tsan) with
  # ThreadSanitizer, built by `scripts/sanitize.sh thread`.
  'target_defaults': {
    'cflags_cc!': ['-fno-exceptions', '-fno-rtti', '-std=gnu++17'],
    'cflags_cc': ['-std=c++17', '-fexceptions', '-frtti', '-Wall', '-Wextra', '-Wno-unused-parameter'],
    'include_dirs': ['native'],
    'configurations': {
      'Sanitize': {
        'inherit_from': ['Release'],
        # Every UBSan check but vptr: it needs the typeinfo of classes libnode does not export,
        # and an uninstrumented libnode calls the host's instrumented copies of libstdc++
        # templates, where the check then fails on objects it cannot see.
        'cflags': ['-fsanitize=address,undefined', '-fno-sanitize=vptr', '-fno-omit-frame-pointer',
                   '-fno-sanitize-recover=undefined', '-O1', '-g'],
        'ldflags': ['-fsanitize=address,undefined'],
      },
      # ThreadSanitizer (build/Tsan, `scripts/sanitize.sh thread`). libnode is not instrumented: what happens
      # inside V8 and libuv is invisible to it, our own locks and atomics are not.
      'Tsan': {
        'inherit_from': ['Release'],
        'cflags': ['-fsanitize=thread', '-fno-omit-frame-pointer', '-O1', '-g'],
        'ldflags': ['-fsanitize=thread'],
      },
    },
  },
  'targets': [
    {
      # The test host: plays IIS's side of the ISAPI contract on Linux.
      'target_name': 'isapi-host',
      'type': 'executable',
      'sources': [
        'native/host/main.cc',
        'native/host/options.cc',
        'native/host/posix/last_error.cc',
        'native/host/extension_module.cc',
        'native/host/server.cc',
        'native/host/connection.cc',
        'native/host/session.cc',
        'native/host/session_io.cc',
        'native/host/session_support.cc',
        'native/host/session_registry.cc',
        'native/host/callbacks.cc',
        'native/host/server_variables.cc',
        'native/host/request_info.cc',
        'native/host/response_state.cc',
        'native/host/send_plan.cc',
        'native/host/contract_monitor.cc',
        'native/host/auth.cc',
        'native/host/utf16.cc',
        'native/host/code_page.cc',
        'native/host/hostility.cc',
        'native/host/iis_pool.cc',
        'native/host/posix/platform.cc',
      ],
      'defines': ['BOOST_BEAST_USE_STD_STRING_VIEW', 'BOOST_ASIO_NO_DEPRECATED'],
      'libraries': ['-ldl', '-lpthread'],
      # Extensions resolve SetLastError/GetLastError from the host at dlopen time.
      'ldflags': ['-Wl,--dynamic-list=<(module_root_dir)/native/host/posix/exports.list'],
    },
    {
      # The reference extension: no Node, exercises every part of the contract for the host's
      # tests, and is the ceiling in the benchmarks.
      'target_name': 'hello_ext',
      'type': 'shared_library',
      'product_prefix': '',
      'product_extension': 'so',
      'sources': [
        'native/reference/hello_ext.cc',
        'native/reference/support.cc',
        'native/reference/routes.cc',
        'native/reference/streaming.cc',
        'native/reference/breach.cc',
        'native/reference/async_request.cc',
        'native/reference/posix/platform.cc',
      ],
    },
    {
      # A backend library that speaks a newer version of the backend interface, for the test that
      # the extension refuses it (test/inprocess/startup-failures.test.ts).
      'target_name': 'abi_probe_backend',
      'type': 'shared_library',
      'product_prefix': '',
      'product_extension': 'so',
      'sources': ['native/reference/abi_probe_backend.c'],
    },
    {
      # Checks the out-of-process frame codec against test/vectors/frames.json, the vectors the
      # worker's codec (lib/worker/frames.ts) is tested against too.
      'target_name': 'frame_vectors',
      'type': 'executable',
      'sources': ['native/outofprocess/frame_vectors.cc', 'native/outofprocess/frame.cc'],
    },
    {
      # The ISAPI extension users register with IIS. It does not link libnode: the in-process
      # runtime is a separate library loaded on demand, so a missing libnode is an answered error.
      'target_name': 'isapi_node',
      'type': 'shared_library',
      'product_prefix': '',
      'product_extension': 'so',
      'sources': [
        'native/extension/extension.cc',
        'native/extension/extension_state.cc',
        'native/extension/isapi_request.cc',
        'native/extension/isapi_request_io.cc',
        'native/extension/request_record.cc',
        'native/extension/response_framing.cc',
        'native/extension/failure_page.cc',
        'native/extension/config.cc',
        'native/extension/trace.cc',
        'native/extension/thread_pool.cc',
        'native/extension/no_throw.cc',
        'native/extension/timeout_sweeper.cc',
        'native/extension/posix/platform.cc',
        'native/extension/backend_library.cc',
        'native/backend/worker_supervisor.cc',
        'native/outofprocess/frame.cc',
        'native/outofprocess/worker_connection.cc',
        'native/outofprocess/worker_process.cc',
        'native/outofprocess/outofprocess_backend.cc',
        'native/outofprocess/posix/channel.cc',
        'native/outofprocess/posix/child_process.cc',
      ],
      'cflags': ['-fvisibility=hidden'],
    },
    {
      # The in-process backend: embeds libnode (Debian's, unpacked into deps/libnode by the setup
      # script; its headers are Node 18's, so they must come before Node 20's that node-gyp adds).
      'target_name': 'isapi_node_inproc',
      'type': 'shared_library',
      'product_prefix': '',
      'product_extension': 'so',
      'variables': {
        'libnode_root': '<(module_root_dir)/deps/libnode/usr',
        'multiarch': '<!(gcc -print-multiarch)',
      },
      'sources': [
        'native/runtime/backend_export.cc',
        'native/runtime/inprocess_backend.cc',
        'native/runtime/js_worker.cc',
        'native/backend/worker_supervisor.cc',
        'native/runtime/worker_guards.cc',
        'native/runtime/large_stack_thread.cc',
        'native/runtime/node_process.cc',
        'native/bridge/batch_encoding.cc',
        'native/bridge/channel.cc',
        'native/bridge/bridge.cc',
      ],
      'cflags': ['-fvisibility=hidden'],
      # node-gyp adds the building Node's headers to every target: take them away here.
      'include_dirs!': [
        '<(node_root_dir)/include/node',
        '<(node_root_dir)/src',
        '<(node_root_dir)/deps/openssl/config',
        '<(node_root_dir)/deps/openssl/openssl/include',
        '<(node_root_dir)/deps/uv/include',
        '<(node_root_dir)/deps/zlib',
        '<(node_root_dir)/deps/v8/include',
      ],
      'include_dirs': [
        '<(libnode_root)/include/node',
        '<!(node -p "require(\'node-addon-api\').include_dir")',
      ],
      # NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS: a bridge call cut short by node::Stop() must not
      # abort the whole IIS process (node-addon-api otherwise treats it as fatal).
      # NODE_ADDON_API_CPP_EXCEPTIONS_ALL: any C++ exception in a binding function (bad_alloc, a
      # system_error) becomes a JavaScript exception instead of terminating the process.
      'defines': ['NAPI_VERSION=9', 'NAPI_CPP_EXCEPTIONS', 'NODE_ADDON_API_CPP_EXCEPTIONS_ALL',
                  'NODE_ADDON_API_DISABLE_DEPRECATED', 'NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS'],
      # libuv: the one libnode runs on (uv_get_osfhandle for files crossing the seam).
      'libraries': ['-L<(libnode_root)/lib/<(multiarch)', '-lnode', '-luv'],
      'ldflags': ["-Wl,-rpath,'$$ORIGIN/../../deps/libnode/usr/lib/<(multiarch)'"],
    },
  ],
}
