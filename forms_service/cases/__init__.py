"""The child's case (issue 22): one timeline across every record of theirs, where they stand in the profile's
pathway, and what falls due. Built on referrals/, la/, register/ and rules/; web/ and api/ sit on top.

The API the pages, the digest and the calendar feed use:
- records.case_of(user, referral, today) -> Case (.pupil, .standing, .entries, .due, .overdue, .register;
  .to_dict() is the API's body); records.child_records(user, referral) -> [Referral]
- lists.due_list(user, as_of, days) -> (due rows, overdue rows), each Row(item, initials, reference)
- due.case_due(records, notices, profile, today=, register=) -> [DueItem] sorted by date;
  due.split(items, as_of, days) -> (due, overdue); due.record_due / due.notice_due for one record or notice
- stage.standing(records, profile) -> Standing(stage, record_id, why) | None
- attendance.weekly_attendance(register) -> [(monday, pct)]
"""
