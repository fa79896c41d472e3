#include "engine/file_types.h"

#include <gtest/gtest.h>

#include <string>

namespace kanri::engine {
namespace {

using namespace std::string_literals;

ContentVerdict verdict(const std::string& name, const std::string& content) {
  auto type = file_type_for(name);
  EXPECT_TRUE(type) << name;
  return type ? check_content(*type, content) : ContentVerdict::mismatch;
}

TEST(FileTypes, AllowlistByExtensionCaseInsensitive) {
  EXPECT_EQ(file_type_for("report.PDF")->content_type, "application/pdf");
  EXPECT_EQ(file_type_for("photo.jpeg")->content_type, "image/jpeg");
  EXPECT_EQ(file_type_for("a.b.xlsx")->extension, "xlsx");
  for (const char* refused :
       {"page.html", "page.htm", "logo.svg", "setup.exe", "run.sh", "script.js", "noext", "dot."})
    EXPECT_FALSE(file_type_for(refused)) << refused;
  EXPECT_EQ(allowed_extensions().size(), 20u);
}

TEST(FileTypes, MagicBytesMustMatchTheName) {
  EXPECT_EQ(verdict("a.png", "\x89PNG\r\n\x1a\n rest"s), ContentVerdict::ok);
  EXPECT_EQ(verdict("a.png", "GIF89a..."), ContentVerdict::mismatch);
  EXPECT_EQ(verdict("a.pdf", "%PDF-1.7\n"), ContentVerdict::ok);
  EXPECT_EQ(verdict("a.pdf", "hello"), ContentVerdict::mismatch);
  EXPECT_EQ(verdict("a.jpg", "\xff\xd8\xff\xe0"s), ContentVerdict::ok);
  EXPECT_EQ(verdict("a.gif", "GIF87a"), ContentVerdict::ok);
  EXPECT_EQ(verdict("a.webp", "RIFF\x10\0\0\0WEBPVP8 "s), ContentVerdict::ok);
  EXPECT_EQ(verdict("a.webp", "RIFF\x10\0\0\0WAVEfmt "s), ContentVerdict::mismatch);
  EXPECT_EQ(verdict("a.docx", "PK\x03\x04...."s), ContentVerdict::ok);
  EXPECT_EQ(verdict("a.zip", "PK\x05\x06"s), ContentVerdict::ok);
  EXPECT_EQ(verdict("a.xlsx", "not a zip"), ContentVerdict::mismatch);
  EXPECT_EQ(verdict("a.msg", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"s), ContentVerdict::ok);
}

TEST(FileTypes, TextFormatsMustBeText) {
  EXPECT_EQ(verdict("a.txt", "障害の記録\n"), ContentVerdict::ok);
  EXPECT_EQ(verdict("a.csv", "\xef\xbb\xbfnumber,name\n"s), ContentVerdict::ok);
  EXPECT_EQ(verdict("a.txt", "bin\0ary"s), ContentVerdict::mismatch);
  EXPECT_EQ(verdict("a.log", "\xff\xfe"s), ContentVerdict::mismatch);
  EXPECT_EQ(verdict("a.json", " {\"a\": 1}"), ContentVerdict::ok);
  EXPECT_EQ(verdict("a.json", "hello"), ContentVerdict::mismatch);
  EXPECT_EQ(verdict("a.xml", "<?xml version=\"1.0\"?><a/>"), ContentVerdict::ok);
  // A character cut at the 8 KiB mark is not a reason to refuse.
  std::string long_text(8191, 'a');
  long_text += "障害";
  EXPECT_EQ(verdict("a.txt", long_text), ContentVerdict::ok);
}

TEST(FileTypes, ExecutablesAndActiveMarkupAreRefusedWhateverTheName) {
  EXPECT_EQ(verdict("a.txt", "MZ\x90\0"s), ContentVerdict::executable);
  EXPECT_EQ(verdict("a.pdf",
                    "\x7f"
                    "ELF\x02"s),
            ContentVerdict::executable);
  EXPECT_EQ(verdict("a.txt", "#!/bin/sh\nrm -rf /\n"), ContentVerdict::executable);
  EXPECT_EQ(verdict("a.txt", "<!DOCTYPE html><html><script>alert(1)</script>"),
            ContentVerdict::executable);
  EXPECT_EQ(verdict("a.xml", "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            ContentVerdict::executable);
}

TEST(FileTypes, CleanFileNameKeepsTheLastPart) {
  EXPECT_EQ(clean_file_name("C:\\Users\\sato\\報告書.pdf"), "報告書.pdf");
  EXPECT_EQ(clean_file_name("../../etc/passwd"), "passwd");
  EXPECT_EQ(clean_file_name("a\r\nb.txt"), "ab.txt");
  EXPECT_EQ(clean_file_name(" .hidden.txt "), "hidden.txt");
  EXPECT_EQ(clean_file_name("dir/"), "");
}

}  // namespace
}  // namespace kanri::engine
