#include "emulator/package/mapped_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace thaw::package {
namespace {

std::filesystem::path TempFile(const std::string& name, const std::string& content) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("thaw-mapped-file-test-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST(MappedFileTest, MapsTheWholeFile) {
  const std::string content = std::string(
                                  "\x7f"
                                  "ELF") +
                              std::string(100000, 'x') + "end";
  const auto path = TempFile("whole", content);
  std::optional<MappedFile> file = MappedFile::Open(path);
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(file->bytes(), content);
  MappedFile moved = std::move(*file);
  EXPECT_EQ(moved.bytes(), content);
  EXPECT_TRUE(file->bytes().empty());
  std::filesystem::remove(path);
}

TEST(MappedFileTest, AnEmptyFileIsEmptyAndAMissingOneOrADirectoryIsNothing) {
  const auto path = TempFile("empty", "");
  std::optional<MappedFile> empty = MappedFile::Open(path);
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->bytes().empty());
  std::filesystem::remove(path);
  EXPECT_FALSE(MappedFile::Open("/nonexistent/program").has_value());
  EXPECT_FALSE(MappedFile::Open(std::filesystem::temp_directory_path()).has_value());
}

}  // namespace
}  // namespace thaw::package
