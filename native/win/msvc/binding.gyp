{
  # The Windows build with MSVC, through node-gyp: isapi_node.dll (the extension IIS loads) and
  # isapi_node_inproc.dll (the in-process runtime, linked to libnode.dll: libnode is an MSVC C++
  # library, so this one must be built with MSVC). The Linux build is ../../../binding.gyp; the
  # mingw-w64 cross-build of the extension is ../../../CMakeLists.txt (`npm run build:win`).
  #
  # node-gyp reads only a file named binding.gyp in the folder it runs in, hence this folder:
  #
  #   npx node-gyp rebuild --directory native/win/msvc --target=20.18.0 --arch=x64
  #
  # --target names the Node version whose headers (and common.gypi) node-gyp downloads: the one
  # the NuGet package Microsoft.JavaScript.LibNode.win-x64 (20.1800.x) was built from. Needed
  # beforehand, in the checkout's deps/ (what .github/workflows/windows.yml does):
  #   deps/libnode-win-<arch>/libnode.lib  the import library of that package's libnode.dll
  #   deps/win-include/nlohmann/json.hpp   nlohmann-json's single header (3.11.x, as Debian's)
  # Outputs: native/win/msvc/build/Release/{isapi_node,isapi_node_inproc}.dll.
  #
  # Never run here (no MSVC on the Linux machine this project is built on): see docs/iis.md.
  'variables': {
    'variables': {'repo_root%': '<(module_root_dir)/../../..'},
    'repo_root%': '<(repo_root)',
    'libnode_lib%': '<(repo_root)/deps/libnode-win-<(target_arch)/libnode.lib',
    'win_include%': '<(repo_root)/deps/win-include',
  },
  # What both DLLs share is repeated in each target: node-gyp's addon.gypi and node's common.gypi
  # come in as includes, whose target_defaults win over this file's (a loadable_module, the
  # delay-load hook, no exceptions, no RTTI); a target's own keys win over both. In each:
  #  - a shared_library (.dll), not node-gyp's loadable_module (.node);
  #  - 'win_delay_load_hook' off: neither DLL is an addon that node.exe loads, and the hook binds
  #    imports of node.exe to the process's own executable, w3wp.exe here;
  #  - the C++ runtime linked in (/MT, RuntimeLibrary 0), as the mingw-w64 build links its own:
  #    w3wp.exe finds no MSVC runtime beside the DLL, and none needs installing;
  #  - C++ exceptions (/EHsc, _HAS_EXCEPTIONS=1) and RTTI (/GR), as the Linux build has them.
  'targets': [
    {
      # The ISAPI extension: the same sources as CMakeLists.txt's isapi_node, the win/ twins. The
      # .def file exports the three ISAPI entry points undecorated. No Node in it: node-gyp's
      # node.lib (node.exe's imports) is taken away.
      'target_name': 'isapi_node',
      'type': 'shared_library',
      'win_delay_load_hook': 'false',
      'sources': [
        '../../extension/extension.cc',
        '../../extension/extension_state.cc',
        '../../extension/isapi_request.cc',
        '../../extension/isapi_request_io.cc',
        '../../extension/request_record.cc',
        '../../extension/response_framing.cc',
        '../../extension/failure_page.cc',
        '../../extension/config.cc',
        '../../extension/trace.cc',
        '../../extension/thread_pool.cc',
        '../../extension/no_throw.cc',
        '../../extension/timeout_sweeper.cc',
        '../../extension/backend_library.cc',
        '../../extension/win/platform.cc',
        '../../backend/worker_supervisor.cc',
        '../../outofprocess/frame.cc',
        '../../outofprocess/worker_connection.cc',
        '../../outofprocess/worker_process.cc',
        '../../outofprocess/outofprocess_backend.cc',
        '../../outofprocess/win/channel.cc',
        '../../outofprocess/win/child_process.cc',
        '../../outofprocess/win/pipe_support.cc',
        '../../extension/win/isapi_node.def',
      ],
      'include_dirs': ['../..', '<(win_include)'],
      'defines!': ['_HAS_EXCEPTIONS=0'],
      'defines': ['_HAS_EXCEPTIONS=1', 'WIN32_LEAN_AND_MEAN', 'NOMINMAX', 'UNICODE', '_UNICODE'],
      'libraries!': ['-l"<(node_lib_file)"'],
      # BCryptGenRandom (the workers' secret), the pipes' DACL and the tokens.
      'libraries': ['-lbcrypt.lib', '-ladvapi32.lib'],
      'msvs_settings': {
        'VCCLCompilerTool': {'ExceptionHandling': 1, 'AdditionalOptions': ['/utf-8', '/Zc:__cplusplus']},
      },
      'configurations': {
        'Release': {'msvs_settings': {'VCCLCompilerTool': {'RuntimeLibrary': 0, 'RuntimeTypeInfo': 'true'}}},
        'Debug': {'msvs_settings': {'VCCLCompilerTool': {'RuntimeLibrary': 1, 'RuntimeTypeInfo': 'true'}}},
      },
    },
    {
      # The in-process runtime: the same sources as binding.gyp's isapi_node_inproc, against the
      # headers of the Node version node-gyp was given (--target), linked to libnode.dll's import
      # library instead of node.exe's (node.lib): w3wp.exe loads it, and there is no node.exe.
      'target_name': 'isapi_node_inproc',
      'type': 'shared_library',
      'win_delay_load_hook': 'false',
      'sources': [
        '../../runtime/backend_export.cc',
        '../../runtime/inprocess_backend.cc',
        '../../runtime/js_worker.cc',
        '../../backend/worker_supervisor.cc',
        '../../runtime/worker_guards.cc',
        '../../runtime/large_stack_thread.cc',
        '../../runtime/node_process.cc',
        '../../bridge/batch_encoding.cc',
        '../../bridge/channel.cc',
        '../../bridge/bridge.cc',
      ],
      'include_dirs': ['../..', '<!(node -p "require(\'node-addon-api\').include_dir")'],
      'defines!': ['_HAS_EXCEPTIONS=0'],
      # As binding.gyp's, plus BUILDING_NODE_EXTENSION (which node-gyp defines only for a
      # loadable_module): node.h's NODE_EXTERN then imports from libnode.dll instead of declaring
      # Node's functions as exports of this DLL.
      'defines': ['_HAS_EXCEPTIONS=1', 'WIN32_LEAN_AND_MEAN', 'NOMINMAX', 'BUILDING_NODE_EXTENSION',
                  'NAPI_VERSION=9', 'NAPI_CPP_EXCEPTIONS', 'NODE_ADDON_API_CPP_EXCEPTIONS_ALL',
                  'NODE_ADDON_API_DISABLE_DEPRECATED', 'NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS'],
      'libraries!': ['-l"<(node_lib_file)"'],
      'libraries': ['<(libnode_lib)'],
      'msvs_settings': {
        'VCCLCompilerTool': {'ExceptionHandling': 1, 'AdditionalOptions': ['/utf-8', '/Zc:__cplusplus']},
        # The backend opener the extension finds by name (native/backend/backend_abi.h).
        'VCLinkerTool': {'AdditionalOptions': ['/EXPORT:isapi_node_open_backend']},
      },
      'configurations': {
        'Release': {'msvs_settings': {'VCCLCompilerTool': {'RuntimeLibrary': 0, 'RuntimeTypeInfo': 'true'}}},
        'Debug': {'msvs_settings': {'VCCLCompilerTool': {'RuntimeLibrary': 1, 'RuntimeTypeInfo': 'true'}}},
      },
    },
  ],
}
