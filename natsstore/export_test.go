package natsstore

// SetWithoutSequenceCheck removes the expected-sequence check from Save's
// publishes, or restores it, and returns a function that restores the
// previous setting.
func SetWithoutSequenceCheck(without bool) (restore func()) {
	old := withoutSequenceCheck
	withoutSequenceCheck = without
	return func() { withoutSequenceCheck = old }
}
