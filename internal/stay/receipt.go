package stay

import (
	"errors"

	"visaclock/internal/date"
	"visaclock/internal/rules"
	"visaclock/internal/workdays"
)

// receiptEnd is the last day of validity of a receipt for an application
// accepted on filed: the receipt's working days counted from the day after,
// on the pack's calendar (validated to be cn). When the calendar does not
// know a year the count needs, it returns zero and that year: the engine
// says so rather than guess at the holidays.
func receiptEnd(r *rules.Receipt, filed date.Date) (date.Date, int) {
	end, err := workdays.CN().AddWorkdays(filed, r.WorkingDays)
	if err != nil {
		if ue, ok := errors.AsType[*workdays.UncoveredError](err); ok {
			return 0, ue.Year
		}
		return 0, filed.Year()
	}
	return end, 0
}
