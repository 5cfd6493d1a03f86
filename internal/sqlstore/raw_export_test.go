package sqlstore

// ExecRaw runs a statement on the database behind the store, as someone
// with access to the database file or server could, to tamper with it.
func ExecRaw(s *Store, query string, args ...any) error {
	_, err := s.db.Exec(query, args...)
	return err
}
