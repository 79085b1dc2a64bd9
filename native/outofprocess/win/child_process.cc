// The Windows twin of posix/child_process.cc: workers are started with CreateProcessW into a job
// object that kills them when the extension's process goes; their standard output and error come
// through a named pipe (pipe_support.h), read by a thread of the object's own and cut into lines
// by outofprocess/output_lines.h. Strings are UTF-8 here and UTF-16 at every Win32 call
// (win/utf8.h).
#include "outofprocess/platform.h"
#include "outofprocess/output_lines.h"
#include "outofprocess/win/pipe_support.h"

#include <windows.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "win/utf8.h"

namespace isapi_node::outofprocess::platform {
namespace {

using win_support::create_pipe;
using win_support::Handle;
using win_support::kMaxChunk;
using win_support::kPipeBuffer;
using win_support::manual_reset_event;
using win_support::os_error;

// Quoted as CommandLineToArgvW and the MSVC runtime (node.exe's) split a command line: backslashes
// are literal except before a quote, where they are doubled, and the quote is escaped.
void append_argument(std::wstring& line, const std::wstring& argument) {
  if (!line.empty()) line += L' ';
  if (!argument.empty() && argument.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
    line += argument;
    return;
  }
  line += L'"';
  for (size_t i = 0;; ++i) {
    size_t backslashes = 0;
    while (i < argument.size() && argument[i] == L'\\') ++i, ++backslashes;
    if (i == argument.size()) {
      line.append(backslashes * 2, L'\\');  // the closing quote follows
      break;
    }
    if (argument[i] == L'"') {
      line.append(backslashes * 2 + 1, L'\\');
    } else {
      line.append(backslashes, L'\\');
    }
    line += argument[i];
  }
  line += L'"';
}

bool is_file(const std::wstring& path) {
  const DWORD attributes = GetFileAttributesW(path.c_str());
  return attributes != INVALID_FILE_ATTRIBUTES && !(attributes & FILE_ATTRIBUTE_DIRECTORY);
}

// As the shell finds a program: a name without a folder in PATH's folders (not the current one,
// nor w3wp.exe's), and a name without an extension as name.exe (PATH may hold a shell script
// named plain "node" beside node.cmd). Empty when there is none.
std::wstring find_executable(const std::wstring& name) {
  const size_t last_separator = name.find_last_of(L"\\/:");
  const bool has_folder = last_separator != std::wstring::npos;
  const size_t dot = name.rfind(L'.');
  const bool has_extension = dot != std::wstring::npos && (!has_folder || dot > last_separator);
  if (has_folder) {
    if (has_extension) return is_file(name) ? name : L"";
    return is_file(name + L".exe") ? name + L".exe" : is_file(name) ? name : L"";
  }
  const std::wstring file = has_extension ? name : name + L".exe";
  const DWORD size = GetEnvironmentVariableW(L"PATH", nullptr, 0);
  std::wstring path(size, L'\0');
  path.resize(size ? GetEnvironmentVariableW(L"PATH", path.data(), size) : 0);
  size_t start = 0;
  while (start < path.size()) {
    const size_t end = std::min(path.find(L';', start), path.size());
    std::wstring dir = path.substr(start, end - start);
    start = end + 1;
    dir.erase(std::remove(dir.begin(), dir.end(), L'"'), dir.end());
    if (dir.empty()) continue;
    const std::wstring candidate = dir + (dir.back() == L'\\' || dir.back() == L'/' ? L"" : L"\\") + file;
    if (is_file(candidate)) return candidate;
  }
  return L"";
}

std::string describe_exit(DWORD code, bool killed) {
  std::string how = "exit code " + std::to_string(code);
  // NTSTATUS errors (0xC...): a crash, not an exit() of the worker's choosing.
  if ((code & 0xF0000000u) == 0xC0000000u) {
    char text[16];
    snprintf(text, sizeof text, "0x%08lX", static_cast<unsigned long>(code));
    how += std::string(" (") + text;
    switch (code) {
      case 0xC0000005: how += ", access violation"; break;
      case 0xC0000017: how += ", out of memory"; break;
      case 0xC000001D: how += ", illegal instruction"; break;
      case 0xC0000094: how += ", integer division by zero"; break;
      case 0xC00000FD: how += ", stack overflow"; break;
      case 0xC000013A: how += ", ended by Ctrl+C"; break;
      case 0xC0000135: how += ", a DLL was not found"; break;
      case 0xC0000142: how += ", a DLL failed to initialise"; break;
      case 0xC0000374: how += ", heap corruption"; break;
      case 0xC0000409: how += ", fail-fast exception"; break;
      default: break;
    }
    how += ")";
  } else if (killed && code == 1) {
    how += " (killed)";  // TerminateProcess's code, given by kill()
  }
  return how;
}

class WinChild : public ChildProcess {
 public:
  WinChild(Handle process, Handle job, Handle output, std::function<void(const std::string&)> on_line)
      : process_(std::move(process)),
        job_(std::move(job)),
        output_(std::move(output)),
        lines_(std::move(on_line)),
        reader_([this] { read_output(); }) {}

  ~WinChild() override {
    if (!ended_) {
      TerminateProcess(process_.get(), 1);
      WaitForSingleObject(process_.get(), INFINITE);
    }
    // KILL_ON_JOB_CLOSE: whatever the worker started ends too, and with it the last writers of
    // its output, so the reader meets the end of it.
    job_.reset();
    stop_reading_ = true;
    reader_.join();
  }

  uint64_t pid() const override { return GetProcessId(process_.get()); }

  std::optional<std::string> wait(std::chrono::milliseconds timeout) override {
    if (ended_) return how_;
    const auto ms = std::clamp<std::chrono::milliseconds::rep>(timeout.count(), 0, INFINITE - 1);
    if (WaitForSingleObject(process_.get(), static_cast<DWORD>(ms)) != WAIT_OBJECT_0) return std::nullopt;
    DWORD code = 0;
    how_ = GetExitCodeProcess(process_.get(), &code) ? describe_exit(code, killed_) : os_error("GetExitCodeProcess");
    ended_ = true;
    return how_;
  }

  void kill() override {
    if (!ended_ && TerminateProcess(process_.get(), 1)) killed_ = true;
  }

  void wait_output(std::chrono::milliseconds timeout) override { lines_.wait_end(timeout); }

 private:
  void read_output() {
    Handle event = manual_reset_event();
    if (!event) return lines_.end();
    char buffer[4096];
    for (;;) {
      OVERLAPPED overlapped{};
      overlapped.hEvent = event.get();
      if (!ReadFile(output_.get(), buffer, sizeof buffer, nullptr, &overlapped) && GetLastError() != ERROR_IO_PENDING) break;
      // Look every 100 ms whether the object is going; a descendant of the worker outside its job
      // could keep the pipe open for ever.
      while (WaitForSingleObject(event.get(), 100) == WAIT_TIMEOUT)
        if (stop_reading_) CancelIoEx(output_.get(), &overlapped);
      DWORD n = 0;
      // Broken pipe: every writer is gone; aborted: cancelled above.
      if (!GetOverlappedResult(output_.get(), &overlapped, &n, TRUE)) break;
      lines_.feed(buffer, n);
    }
    lines_.end();
  }

  Handle process_;
  Handle job_;
  Handle output_;
  OutputLines lines_;
  std::atomic<bool> stop_reading_{false};
  bool ended_ = false;  // only the supervising thread calls wait()/kill()
  bool killed_ = false;
  std::string how_;
  std::thread reader_;
};

// The worker's standard output and error: one named pipe, its overlapped server end read here, its
// client end inherited by the worker. Not CreatePipe's anonymous pipe: its ends cannot be
// overlapped, so the reader could not wait with a timeout and be stopped when a descendant of the
// worker keeps the pipe open. Under Wine both kinds work for node.exe (what fails there, EBADF on
// standard output, is a host pipe: wine64 node.exe | cat); a file would too but needs a private
// folder and polling, and is not needed.
bool output_pipe(Handle& server, Handle& client, std::string& error) {
  std::string name;
  server = create_pipe("isapi-node-output-", PIPE_ACCESS_INBOUND, name, error);
  if (!server) return false;
  SECURITY_ATTRIBUTES inheritable{sizeof inheritable, nullptr, TRUE};
  // FILE_READ_ATTRIBUTES as CreatePipe's write end has it: libuv queries the pipe's state.
  client = Handle(CreateFileW(win::to_utf16(name).c_str(), GENERIC_WRITE | FILE_READ_ATTRIBUTES, 0, &inheritable, OPEN_EXISTING,
                              FILE_ATTRIBUTE_NORMAL, nullptr));
  if (!client) return error = os_error("cannot open the output pipe"), false;
  // One instance at most and its client is ours: nobody else can write into it.
  Handle event = manual_reset_event();
  OVERLAPPED overlapped{};
  overlapped.hEvent = event.get();
  if (!ConnectNamedPipe(server.get(), &overlapped)) {
    const DWORD code = GetLastError();
    if (code == ERROR_IO_PENDING) {
      DWORD ignored = 0;
      if (!GetOverlappedResult(server.get(), &overlapped, &ignored, TRUE)) return error = os_error("ConnectNamedPipe"), false;
    } else if (code != ERROR_PIPE_CONNECTED) {
      return error = os_error("ConnectNamedPipe", code), false;
    }
  }
  return true;
}

}  // namespace

std::unique_ptr<ChildProcess> ChildProcess::spawn(const Options& options, std::string& error, bool& not_found) {
  not_found = false;
  const std::wstring executable = find_executable(win::to_win_path(options.executable));
  if (executable.empty()) {
    not_found = true;
    const bool has_folder = options.executable.find_first_of("\\/:") != std::string::npos;
    error = "'" + options.executable + (has_folder ? "' does not exist" : "' was not found in PATH");
    return nullptr;
  }
  std::wstring command_line;
  append_argument(command_line, executable);
  for (const auto& argument : options.arguments) append_argument(command_line, win::to_utf16(argument));

  // Standard input: an anonymous pipe (the parent writes a few bytes and closes it; nothing waits).
  HANDLE input_read_raw = nullptr, input_write_raw = nullptr;
  if (!CreatePipe(&input_read_raw, &input_write_raw, nullptr, kPipeBuffer)) return error = os_error("CreatePipe"), nullptr;
  Handle input_read(input_read_raw), input_write(input_write_raw);
  Handle output, output_client;
  if (!output_pipe(output, output_client, error)) return nullptr;
  if (!SetHandleInformation(input_read.get(), HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT))
    return error = os_error("SetHandleInformation"), nullptr;

  // Only these two handles are inherited, whatever else of IIS's process is inheritable.
  HANDLE inherited[] = {input_read.get(), output_client.get()};
  SIZE_T list_size = 0;
  InitializeProcThreadAttributeList(nullptr, 1, 0, &list_size);
  std::vector<char> list_buffer(list_size);
  auto* list = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(list_buffer.data());
  if (!InitializeProcThreadAttributeList(list, 1, 0, &list_size)) return error = os_error("InitializeProcThreadAttributeList"), nullptr;
  struct ListDeleter {
    LPPROC_THREAD_ATTRIBUTE_LIST list;
    ~ListDeleter() { DeleteProcThreadAttributeList(list); }
  } list_deleter{list};
  if (!UpdateProcThreadAttribute(list, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, inherited, sizeof inherited, nullptr, nullptr))
    return error = os_error("UpdateProcThreadAttribute"), nullptr;

  // The job kills the worker when its last handle, ours, closes: with the extension's process.
  // DIE_ON_UNHANDLED_EXCEPTION: a crash ends the worker at once (no error reporting dialog to wait
  // for on a server), so it is replaced.
  Handle job(CreateJobObjectW(nullptr, nullptr));
  if (!job) return error = os_error("CreateJobObject"), nullptr;
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits{};
  limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION;
  if (!SetInformationJobObject(job.get(), JobObjectExtendedLimitInformation, &limits, sizeof limits))
    return error = os_error("SetInformationJobObject"), nullptr;

  STARTUPINFOEXW startup{};
  startup.StartupInfo.cb = sizeof startup;
  startup.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
  startup.StartupInfo.hStdInput = input_read.get();
  startup.StartupInfo.hStdOutput = output_client.get();
  startup.StartupInfo.hStdError = output_client.get();
  startup.lpAttributeList = list;
  PROCESS_INFORMATION info{};
  // Suspended until it is in the job: it cannot start anything that escapes it.
  if (!CreateProcessW(executable.c_str(), command_line.data(), nullptr, nullptr, TRUE,
                      CREATE_NO_WINDOW | CREATE_SUSPENDED | EXTENDED_STARTUPINFO_PRESENT, nullptr,
                      nullptr, &startup.StartupInfo, &info)) {
    const DWORD code = GetLastError();
    not_found = code == ERROR_FILE_NOT_FOUND || code == ERROR_PATH_NOT_FOUND;
    error = os_error(("cannot run '" + win::to_utf8(executable) + "'").c_str(), code);
    return nullptr;
  }
  Handle process(info.hProcess), thread(info.hThread);
  if (!AssignProcessToJobObject(job.get(), process.get())) {
    error = os_error("AssignProcessToJobObject");
    TerminateProcess(process.get(), 1);
    WaitForSingleObject(process.get(), INFINITE);
    return nullptr;
  }
  if (ResumeThread(thread.get()) == static_cast<DWORD>(-1)) {
    error = os_error("ResumeThread");
    TerminateProcess(process.get(), 1);
    WaitForSingleObject(process.get(), INFINITE);
    return nullptr;
  }
  // The worker holds its own copies now: its output ends when it (and what it started) is gone.
  input_read.reset();
  output_client.reset();
  // The input is small (an address and a secret): it fits the pipe, so this cannot block.
  const char* p = options.input.data();
  size_t left = options.input.size();
  while (left > 0) {
    DWORD n = 0;
    if (!WriteFile(input_write.get(), p, static_cast<DWORD>(std::min(left, kMaxChunk)), &n, nullptr) || n == 0) break;
    p += n;
    left -= n;
  }
  input_write.reset();
  return std::make_unique<WinChild>(std::move(process), std::move(job), std::move(output), options.on_line);
}

}  // namespace isapi_node::outofprocess::platform
