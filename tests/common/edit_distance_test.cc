#include "common/edit_distance.h"

#include <gtest/gtest.h>

namespace kb {
namespace {

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("log_level", "log_level"), 0u);
  EXPECT_EQ(EditDistance("log_levl", "log_level"), 1u);  // a deletion
  EXPECT_EQ(EditDistance("worker", "workers"), 1u);      // an insertion
  EXPECT_EQ(EditDistance("adress", "address"), 1u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);  // the textbook pair
  EXPECT_EQ(EditDistance("max_conections", "max_connections"), 1u);
}

TEST(NearestWord, SuggestsOnlyWhatIsClose) {
  const std::set<std::string> keys = {"address", "port", "log_level", "workers", "kek_file"};
  EXPECT_EQ(NearestWord("log_levl", keys), "log_level");
  EXPECT_EQ(NearestWord("adress", keys), "address");
  EXPECT_EQ(NearestWord("prot", keys), "port");       // two substitutions in four letters
  EXPECT_EQ(NearestWord("kek", keys), std::nullopt);  // 5 edits away from kek_file
  EXPECT_EQ(NearestWord("colour", keys), std::nullopt);
  EXPECT_EQ(NearestWord("ab", {"xy"}), std::nullopt);  // everything is near a short word
  EXPECT_EQ(NearestWord("anything", {}), std::nullopt);
}

}  // namespace
}  // namespace kb
