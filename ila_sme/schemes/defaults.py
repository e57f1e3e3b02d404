"""The national and regional parameter versions of ../shared/domain.md, as installed by
``flask --app app schemes install-defaults`` (the migration and the demo seed call it too)."""

from __future__ import annotations

from datetime import date

from ila_sme.schemes.models import Scheme

# days_by_headcount: [lowest average FTE headcount, days per FTE per year], highest band first.
TRAINING_RIGHT_COMMON = {
    "employer_extra_days_per_fte": "0",
    "carry_over_max": None,  # None: all that remains is carried over to the next year
    "rounding_unit": "0.01",  # a right is rounded DOWN to a multiple of this (days); never up
}
VOV_COMMON = {
    "hours_full_time": "125",
    "min_employment_pct": "80",
    "min_hours_per_week": "28",
    "min_contact_hours": "32",
    "min_study_points": "3",
    "hours_per_study_point": "4",
    "hours_per_exam": "8",
    "hours_per_evc_competence": "16",
    "window_days_before": "1",
    "window_days_after": "2",
    "wage_ceiling_monthly": "3714.00",
    "carry_over_max": "0",
    "rounding_unit": "0.01",  # the cap is rounded DOWN to a multiple of this (hours: "0.01" or "0.5")
    "reference_month": "3",  # the regime of this month before the school year sets the cap and conditions
    # VOV complete (issue 13): the registry's id of a training in the Flemish training database; the final
    # assessment's grace after the course end; the refund claim window around the course start.
    "odb_number_pattern": "^ODB-[0-9]{4,8}$",
    "final_assessment_days": "30",
    "claim_months_before": "3",
    "claim_months_after": "3",
    "claim_reminder_days": "14",
    # Some school years allow more full-time hours for training the employer suggests; "0": not this year.
    "extra_hours_employer_suggested": "0",
}

# Funding sources that can meet on one training (domain.md): Flemish training vouchers and the
# SME wallet. Read by ila_sme.funding.rules under the scheme name "funding".
FUNDING_SCHEME = "funding"
FUNDING_FLANDERS = {
    "voucher_cap_per_school_year": "250.00",
    "sme_wallet_share_small_pct": "30",
    "sme_wallet_share_medium_pct": "20",
    "sme_wallet_ceiling_per_year": "7500.00",
}

# Which public holidays leave skips (ila_sme.worktime): the holidays package's calendar of a country and,
# if a sector agreement adds them, its subdivisions; ``extra_holidays`` ([["07-11", "name"]]) for a day the
# package does not list as a public holiday. The community holidays are no legal holidays for private
# employers (domain.md): an employer's own version adds them.
WORKING_TIME_SCHEME = "working_time"
WORKING_TIME_BE = {"holiday_country": "BE", "holiday_subdivisions": [], "extra_holidays": []}

# ``note``: a message id of ``models.LEGAL_NOTES``, said in the reader's language.
DEFAULTS = [
    {
        "scheme": Scheme.TRAINING_RIGHT, "country": "BE", "region": None,
        "valid_from": date(2023, 1, 1), "valid_until": date(2023, 12, 31),
        "values": {**TRAINING_RIGHT_COMMON, "days_by_headcount": [["20", "4"], ["10", "1"], ["0", "0"]]},
        "note": "note.training_right_2023",
    },
    {
        "scheme": Scheme.TRAINING_RIGHT, "country": "BE", "region": None,
        "valid_from": date(2024, 1, 1), "valid_until": None,
        "values": {**TRAINING_RIGHT_COMMON, "days_by_headcount": [["20", "5"], ["10", "1"], ["0", "0"]]},
        "note": "note.training_right_2024",
    },
    {
        "scheme": Scheme.VOV, "country": "BE", "region": "flanders",
        "valid_from": date(2023, 9, 1), "valid_until": date(2025, 8, 31),
        "values": {**VOV_COMMON, "refund_per_hour": "21.30"},
        "note": "note.vov_until_2024_25",
    },
    {
        "scheme": Scheme.VOV, "country": "BE", "region": "flanders",
        "valid_from": date(2025, 9, 1), "valid_until": None,
        "values": {**VOV_COMMON, "refund_per_hour": "14.91"},
        "note": "note.vov_from_2025_26",
    },
    {
        "scheme": FUNDING_SCHEME, "country": "BE", "region": "flanders",
        "valid_from": date(2024, 1, 1), "valid_until": None, "values": FUNDING_FLANDERS,
        "note": "note.funding_flanders",
    },
    {
        "scheme": WORKING_TIME_SCHEME, "country": "BE", "region": None,
        "valid_from": date(2000, 1, 1), "valid_until": None, "values": WORKING_TIME_BE,
        "note": "note.public_holidays_be",
    },
]
