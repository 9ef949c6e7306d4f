// Path resolution beneath a directory (engine/wasi/fs_resolve.h): every
// escape attempt is denied with the error code the guest sees, with openat2
// and with the component-wise walk used where openat2 is missing.
#include "engine/wasi/fs_resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace wasi_bridge::engine::wasi {
namespace {

namespace fs = std::filesystem;

// outside/secret.txt, root/{file.txt, sub/inner.txt, links...}; root is
// the granted directory.
class FsResolveTest : public ::testing::TestWithParam<ResolveMode> {
 protected:
  void SetUp() override {
    SetResolveModeForTesting(GetParam());
    char tmpl[] = "/tmp/wb_fs_resolve_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    fs::create_directories(base_ / "outside");
    fs::create_directories(base_ / "root/sub/deeper");
    std::ofstream(base_ / "outside/secret.txt") << "secret";
    std::ofstream(base_ / "root/file.txt") << "file";
    std::ofstream(base_ / "root/sub/inner.txt") << "inner";
    const fs::path r = base_ / "root";
    fs::create_symlink(base_ / "outside/secret.txt", r / "abs_out");      // absolute, out
    fs::create_symlink("../outside/secret.txt", r / "rel_out");           // relative, out
    fs::create_symlink("../outside", r / "rel_out_dir");                  // dir out
    fs::create_symlink("/etc/passwd", r / "etc_passwd");                  // absolute system
    fs::create_symlink(r / "file.txt", r / "abs_in");                     // absolute, inside
    fs::create_symlink("file.txt", r / "rel_in");                         // relative, inside
    fs::create_symlink("../file.txt", r / "sub/up_in");                   // up, still inside
    fs::create_symlink("../../outside/secret.txt", r / "sub/up_out");     // up, out
    fs::create_symlink("loop_b", r / "loop_a");                           // a loop
    fs::create_symlink("loop_a", r / "loop_b");
    fs::create_symlink("self", r / "self");                               // self loop
    fs::create_symlink("sub/../../outside", r / "sneaky");                // via .. in target
    fs::create_symlink("/proc/self/root", r / "proc_root");               // a magic link path
    fs::create_symlink("missing", r / "dangling");                        // points nowhere
    fs::create_symlink(".", r / "dot");                                   // to itself, inside
    dir_ = ::open(r.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(dir_, 0);
  }
  void TearDown() override {
    ::close(dir_);
    std::error_code ec;
    fs::remove_all(base_, ec);
    SetResolveModeForTesting(ResolveMode::kAuto);
  }
  // The error code of opening `path` read-only (following symlinks), or
  // "ok" (the fd is closed).
  std::string Open(const std::string& path, bool follow = true, int flags = O_RDONLY) {
    const int fd = OpenBeneath(dir_, path, flags, 0644, follow);
    if (fd >= 0) {
      ::close(fd);
      return "ok";
    }
    return FsErrorName(FsErrorFromErrno(-fd));
  }
  std::string Parent(const std::string& path) {
    std::string name;
    const int fd = OpenParentBeneath(dir_, path, &name);
    if (fd >= 0) {
      ::close(fd);
      return "ok:" + name;
    }
    return FsErrorName(FsErrorFromErrno(-fd));
  }
  fs::path base_;
  int dir_ = -1;
};

// The escape attempts, each with the code it must fail with.
TEST_P(FsResolveTest, EscapesAreDenied) {
  struct Case {
    const char* path;
    bool follow;
    const char* want;
  };
  const Case cases[] = {
      {"..", true, "not-permitted"},                          // 1 parent of the root
      {"../outside/secret.txt", true, "not-permitted"},       // 2 .. then a real file
      {"sub/../../outside/secret.txt", true, "not-permitted"},  // 3 .. below then above
      {"sub/deeper/../../..", true, "not-permitted"},         // 4 climbing back out
      {"./../outside", true, "not-permitted"},                // 5 . then ..
      {"/etc/passwd", true, "not-permitted"},                 // 6 absolute path
      {"/", true, "not-permitted"},                           // 7 the host root
      {"//etc/passwd", true, "not-permitted"},                // 8 double slash absolute
      {"abs_out", true, "not-permitted"},                     // 9 absolute symlink out
      {"rel_out", true, "not-permitted"},                     // 10 relative symlink out
      {"rel_out_dir/secret.txt", true, "not-permitted"},      // 11 symlinked dir out
      {"etc_passwd", true, "not-permitted"},                  // 12 absolute system symlink
      {"abs_in", true, "not-permitted"},                      // 13 absolute symlink, even inside
      {"sub/up_out", true, "not-permitted"},                  // 14 up-symlink in a subdir
      {"sneaky", true, "not-permitted"},                      // 15 .. inside a target
      {"sneaky/secret.txt", true, "not-permitted"},           // 16 through it
      {"proc_root/etc/passwd", true, "not-permitted"},        // 17 absolute /proc link
      {"loop_a", true, "loop"},                               // 18 a two-link loop
      {"self", true, "loop"},                                 // 19 a self loop
      {"loop_a/x", true, "loop"},                             // 20 a loop mid-path
      {"rel_out", false, "loop"},                             // 21 no-follow on a symlink
      {"abs_out", false, "loop"},                             // 22 same, absolute one
      {"file.txt/..", true, "not-directory"},                 // 23 a file as a directory
      {"missing/../..", true, "no-entry"},                    // 24 through a missing dir
      {"dangling", true, "no-entry"},                         // 25 dangling symlink
      {"", true, "no-entry"},                                 // 26 the empty path
  };
  int n = 0;
  for (const Case& c : cases) {
    ++n;
    EXPECT_EQ(Open(c.path, c.follow), c.want) << "case " << n << ": " << c.path;
  }
  EXPECT_GE(n, 20);
  // Creating through an escaping path creates nothing outside.
  EXPECT_EQ(Open("../outside/new.txt", true, O_WRONLY | O_CREAT), "not-permitted");
  EXPECT_EQ(Open("rel_out_dir/new.txt", true, O_WRONLY | O_CREAT), "not-permitted");
  EXPECT_FALSE(fs::exists(base_ / "outside/new.txt"));
  // A symlink to outside is not followed on create either.
  EXPECT_EQ(Open("abs_out", true, O_WRONLY | O_CREAT | O_TRUNC), "not-permitted");
  std::ifstream in(base_ / "outside/secret.txt");
  std::string secret;
  in >> secret;
  EXPECT_EQ(secret, "secret");
}

TEST_P(FsResolveTest, PathsInsideResolve) {
  EXPECT_EQ(Open("file.txt"), "ok");
  EXPECT_EQ(Open("sub/inner.txt"), "ok");
  EXPECT_EQ(Open("sub/../file.txt"), "ok");
  EXPECT_EQ(Open("sub/deeper/../../file.txt"), "ok");
  EXPECT_EQ(Open("."), "ok");
  EXPECT_EQ(Open("./sub/"), "ok");
  EXPECT_EQ(Open("rel_in"), "ok");
  EXPECT_EQ(Open("sub/up_in"), "ok");
  EXPECT_EQ(Open("dot/dot/file.txt"), "ok");
  EXPECT_EQ(Open("rel_in", false, O_PATH), "ok");  // the link itself
  EXPECT_EQ(Open("new.txt", true, O_WRONLY | O_CREAT), "ok");
  EXPECT_TRUE(fs::exists(base_ / "root/new.txt"));
}

TEST_P(FsResolveTest, ParentsOfNames) {
  EXPECT_EQ(Parent("file.txt"), "ok:file.txt");
  EXPECT_EQ(Parent("sub/inner.txt"), "ok:inner.txt");
  EXPECT_EQ(Parent("sub/new/"), "ok:new");
  EXPECT_EQ(Parent("../x"), "not-permitted");
  EXPECT_EQ(Parent("/tmp/x"), "not-permitted");
  EXPECT_EQ(Parent("rel_out_dir/x"), "not-permitted");
  EXPECT_EQ(Parent("sub/up_out/x"), "not-permitted");
  EXPECT_EQ(Parent(".."), "not-permitted");          // the parent of the root
  EXPECT_EQ(Parent("sub/.."), "invalid");            // no name to act on
  EXPECT_EQ(Parent("."), "invalid");
  EXPECT_EQ(Parent("loop_a/x"), "loop");
  EXPECT_EQ(Parent("missing/x"), "no-entry");
  EXPECT_EQ(Parent(""), "no-entry");
}

INSTANTIATE_TEST_SUITE_P(Resolvers, FsResolveTest,
                         ::testing::Values(ResolveMode::kAuto, ResolveMode::kWalk),
                         [](const auto& info) {
                           return info.param == ResolveMode::kAuto ? "Openat2" : "Walk";
                         });

TEST(FsErrorTest, ErrnoMapping) {
  const std::pair<int, const char*> cases[] = {
      {EACCES, "access"},        {EBADF, "bad-descriptor"},  {EEXIST, "exist"},
      {EINVAL, "invalid"},       {EIO, "io"},                {EISDIR, "is-directory"},
      {ELOOP, "loop"},           {ENAMETOOLONG, "name-too-long"}, {ENOENT, "no-entry"},
      {ENOTDIR, "not-directory"}, {ENOTEMPTY, "not-empty"},  {EPERM, "not-permitted"},
      {EROFS, "read-only"},      {EXDEV, "cross-device"},    {ENOSPC, "insufficient-space"},
      {EMLINK, "too-many-links"}, {EBUSY, "busy"},           {ETXTBSY, "text-file-busy"},
      {ESPIPE, "invalid-seek"},  {EFBIG, "file-too-large"},  {EDQUOT, "quota"},
      {ENOTSUP, "unsupported"},  {EOVERFLOW, "overflow"},    {EPIPE, "pipe"},
      {ENOMEM, "insufficient-memory"}, {EINTR, "interrupted"}, {ENXIO, "no-such-device"},
      {EHOSTDOWN, "other"},
  };
  for (const auto& [err, name] : cases) EXPECT_STREQ(FsErrorName(FsErrorFromErrno(err)), name);
  // Case indices follow the WIT enum.
  EXPECT_EQ(static_cast<uint32_t>(FsError::kAccess), 0u);
  EXPECT_EQ(static_cast<uint32_t>(FsError::kNoEntry), 19u);
  EXPECT_EQ(static_cast<uint32_t>(FsError::kNotPermitted), 30u);
  EXPECT_EQ(static_cast<uint32_t>(FsError::kCrossDevice), 35u);
  EXPECT_EQ(static_cast<uint32_t>(FsError::kOther), 36u);
}

}  // namespace
}  // namespace wasi_bridge::engine::wasi
