{
  # Every native target of the project. node-gyp drives the build; its defaults disable C++
  # exceptions and RTTI, which Boost.Asio/Beast rely on, so each target turns them back on.
  # `Sanitize` is a third configuration (build/Sanitize) with AddressSanitizer and UBSan, built by
  # scripts/sanitize.sh next to the normal Release build.
  'target_defaults': {
    'cflags_cc!': ['-fno-exceptions', '-fno-rtti', '-std=gnu++17'],
    'cflags_cc': ['-std=c++17', '-fexceptions', '-frtti', '-Wall', '-Wextra', '-Wno-unused-parameter'],
    'include_dirs': ['native'],
    'configurations': {
      'Sanitize': {
        'inherit_from': ['Release'],
        'cflags': ['-fsanitize=address,undefined', '-fno-omit-frame-pointer', '-fno-sanitize-recover=undefined', '-O1', '-g'],
        'ldflags': ['-fsanitize=address,undefined'],
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
        'native/host/last_error.cc',
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
      ],
      'defines': ['BOOST_BEAST_USE_STD_STRING_VIEW', 'BOOST_ASIO_NO_DEPRECATED'],
      'libraries': ['-lboost_program_options', '-ldl', '-lpthread'],
      # Extensions resolve SetLastError/GetLastError from the host at dlopen time.
      'ldflags': ['-Wl,--dynamic-list=<(module_root_dir)/native/host/exports.list'],
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
      ],
    },
  ],
}
