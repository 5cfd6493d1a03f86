package sqlstore

// FailBeforeCommit makes every transaction named what fail with err after
// its work and before its commit, as a crash or a lost connection at that
// moment would; a nil err stops it.
func FailBeforeCommit(s *Store, what string, err error) {
	if err == nil {
		s.beforeCommit = nil
		return
	}
	s.beforeCommit = func(w string) error {
		if w == what {
			return err
		}
		return nil
	}
}

// PauseBeforeCommit makes every transaction named what, after its work and
// before its commit, send on reached and wait for release; a nil reached
// stops it.
func PauseBeforeCommit(s *Store, what string, reached chan<- struct{}, release <-chan struct{}) {
	if reached == nil {
		s.beforeCommit = nil
		return
	}
	s.beforeCommit = func(w string) error {
		if w == what {
			reached <- struct{}{}
			<-release
		}
		return nil
	}
}
