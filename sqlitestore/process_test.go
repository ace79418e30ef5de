package sqlitestore_test

// writerEnv makes the test binary a writer child: see writerChild.
const writerEnv = "SQLITESTORE_WRITER_CHILD"

func writerChild(spec string) int { return 2 }
