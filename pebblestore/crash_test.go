package pebblestore_test

const crashEnv = "PEBBLESTORE_CRASH_CHILD"

func crashChild(spec string) error { return nil }
