package pgstore

// SetCopyThreshold sets the batch size from which Save copies the batch
// into a temporary table, and returns a function that restores the old
// value. It must not be called while a Save runs.
func SetCopyThreshold(n int) (restore func()) {
	old := copyThreshold
	copyThreshold = n
	return func() { copyThreshold = old }
}

// SetMaxPayload sets the largest payload Save accepts, and returns a
// function that restores the old value. It must not be called while a Save
// or a Check runs.
func SetMaxPayload(n int) (restore func()) {
	old := maxPayload
	maxPayload = n
	return func() { maxPayload = old }
}
