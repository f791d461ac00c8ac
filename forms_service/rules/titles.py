"""Each rule's plain title (issue 18, "words for people"): what pages, letters and emails call a rule.
A rule's id (`penalty_notice_limit`) is the API's and the audit trail's name for it, never a reader's;
an LA officer can still see it, in a reveal beside the title."""
from __future__ import annotations

TITLES = {
    "penalty_notice_limit": "Within the limit on penalty notices to a parent for the child",
    "leave_sessions_minimum": "Enough sessions of leave taken in term time",
    "leave_dates_match_register": "The leave dates agree with the register",
    "leave_request_within_deadline": "The request is made in time after the child's return",
    "unauthorised_sessions_threshold": "Enough unauthorised absence in the recent school weeks",
    "attendance_in_window": "Attendance in the recent school weeks at or below the threshold",
    "absence_band": "Persistent or severe absence this school year",
    "fast_track_stage": "The Fast Track has reached the week for a referral",
    "final_warning_issued": "A Final Warning was sent to every parent",
    "final_warning_valid": "The Final Warning is still in force, with absence after it",
    "final_warning_gap": "Enough school days since the Final Warning",
    "late_marks_threshold": "Late after the register closed",
    "policies_confirmed": "The school's attendance policies are confirmed",
    "evidence_attached": "Every document the form asks for is attached",
    "compulsory_school_age": "The child is of compulsory school age",
    "not_looked_after": "The child is not looked after by the local authority",
    "year11_timing": "Time left in Year 11",
    "lead_professional": "The lead professional has been consulted",
    "support_recency": "Support was offered recently",
    "no_identified_barriers": "Barriers to attendance have been looked at",
    "barriers_described": "Barriers to attendance are described",
    "ews_class_teacher_action": "The class or form teacher took action",
    "ews_head_of_year_action": "The head of year, or the head or deputy head, took action",
    "ews_letters_of_concern": "The school sent a sequence of letters of concern",
    "ews_meeting_invitation": "The parents were invited to a meeting in school",
    "ews_sao_home_visit": "The School Attendance Officer visited the home",
    "ews_medical_confirmation": "Medical confirmation was asked for where illness notes continue",
    "ews_registration_certificate": "An up to date registration certificate is attached",
    "third_day_absence": "Three school days in a row of unexplained absence before the third-day letter",
    # The Children Missing Education checklist (002, Appendix 6; rules/missing_education.py)
    "cme_last_attendance": "The last day the child attended is given",
    "cme_home_visit": "A home visit was made before the checklist",
    "cme_enquiries_made": "Reasonable enquiries were made to find the child",
    "cme_safeguarding": "Safeguarding concerns are passed on at once",
    # The Peterborough trust's and Knowsley's pathways (001, Appendix B1; 004: issue 20)
    "attendance_this_year": "Attendance this school year is at the level this document is for",
    "aim_level1_completed": "The school's Level 1 actions came before Level 2",
    "aim_early_help_assessment": "An Early Help Assessment was completed before Level 2",
    "aim_family_informed": "The family knows the actions agreed at the meeting",
    "aim_review_date": "The review date is counted in school weeks from the meeting",
    "aim_half_term_limit": "Level 2 is not extended beyond its half term",
    "penalty_warning_school_age": "Of compulsory school age, for a penalty warning",
    # Knowsley's Statutory Referral Form (004, Level 3; rules/statutory_referral.py)
    "statutory_referrer": "The right person is stepping the case up (Knowsley's SLA)",
    "statutory_level1_actions": "The school's Level 1 actions came before Level 2",
    "statutory_early_help_assessment": "An Early Help Assessment was completed before Level 2",
    "statutory_level2_meeting": "An Attendance Improvement Meeting or TAF meeting was held",
    "statutory_level2_weeks": "Level 2 work ran for long enough before the step up",
    "statutory_casework_evidence": "The evidence of the casework is attached",
    "statutory_penalty_notice_threshold": "The national threshold for a penalty notice, for the Statutory Officer",
    "targets_not_met": "The attendance targets set at the earlier meeting were not met",
    "parent_contract_period": "The parent contract runs for the period the policy sets",
    # Knowsley's Educational Neglect Policy (004, Appendix D)
    "neglect_engagement_evidence": "The family was offered help at Levels 1, 2 and 3",
    "neglect_statutory_half_term": "A half term of the Statutory Officer's work, or the family refused to engage",
    "neglect_screening_tool": "A neglect screening tool was used before the referral",
    "neglect_avcg_recommended": "The Attendance Vulnerable Children Group recommended the referral",
}


def title(rule_id: str) -> str:
    """The rule's title; for an id this list does not know (a rule added later), its words."""
    return TITLES.get(rule_id) or str(rule_id).replace("_", " ").capitalize()
