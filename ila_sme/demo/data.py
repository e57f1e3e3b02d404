"""The demo's people, trainings and leave history, as data. ``demo.cli`` turns them into rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ila_sme.identifiers import make_kbo as kbo

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed for the demo on purpose


EMPLOYERS = [
    {
        "key": "bakery", "serials": 100, "name": "Bakkerij Van Damme BV", "enterprise_number": kbo(7123456),
        "region": "flanders", "average_fte": Decimal("11.60"), "joint_committee": "118.03", "default_language": "nl",
    },
    {
        "key": "installer", "serials": 300, "name": "Peeters Installaties NV", "enterprise_number": kbo(8234567),
        "region": "flanders", "average_fte": Decimal("6.80"), "joint_committee": "149.01", "default_language": "nl",
    },
]

USERS = [
    # email, name, language, [(employer key, role)]
    ("els@bakkerij-vandamme.be", "Els Van Damme", "nl", [("bakery", "admin"), ("bakery", "manager")]),
    ("tom@bakkerij-vandamme.be", "Tom Claes", "nl", [("bakery", "manager"), ("bakery", "employee")]),
    ("sarah@bakkerij-vandamme.be", "Sarah Janssens", "nl", [("bakery", "employee")]),
    ("koen@boekhouding-maes.be", "Koen Maes", "nl", [("bakery", "accountant"), ("installer", "accountant")]),
    ("jan@peeters-installaties.be", "Jan Peeters", "nl", [("installer", "admin"), ("installer", "manager")]),
    ("lucas@peeters-installaties.be", "Lucas Wouters", "fr", [("installer", "employee")]),
    ("mehmet.yilmaz@example.be", "Mehmet Yilmaz", "nl", [("bakery", "employee")]),
    ("bram.desmet@example.be", "Bram De Smet", "nl", [("bakery", "employee")]),
    ("ruben.hermans@example.be", "Ruben Hermans", "nl", [("installer", "employee")]),
    ("sofie.lambert@example.be", "Sofie Lambert", "fr", [("installer", "employee")]),
]

# first, last, email (login if in USERS), born, pct, hours, start, end, team, approver email
STAFF = {
    "bakery": [
        ("Tom", "Claes", "tom@bakkerij-vandamme.be", date(1984, 3, 12), 100, 38, date(2015, 9, 1), None,
         "Productie", "els@bakkerij-vandamme.be"),
        ("Sarah", "Janssens", "sarah@bakkerij-vandamme.be", date(1996, 7, 30), 80, "30.4", date(2021, 2, 1), None,
         "Winkel", "tom@bakkerij-vandamme.be"),
        ("Mehmet", "Yilmaz", "mehmet.yilmaz@example.be", date(1990, 11, 2), 100, 38, date(2018, 4, 16), None,
         "Productie", "tom@bakkerij-vandamme.be"),
        ("Lotte", "Peeters", None, date(2001, 5, 21), 50, 19, date(2023, 9, 1), None, "Winkel",
         "tom@bakkerij-vandamme.be"),
        ("Bram", "De Smet", "bram.desmet@example.be", date(1978, 1, 9), 100, 38, date(2009, 1, 5), None,
         "Productie", "tom@bakkerij-vandamme.be"),
        ("Fatima", "El Amrani", None, date(1993, 8, 14), 80, "30.4", date(2020, 6, 1), None, "Winkel",
         "tom@bakkerij-vandamme.be"),
        ("Wim", "Verbeke", None, date(1969, 12, 3), 100, 38, date(2001, 3, 1), None, "Levering",
         "els@bakkerij-vandamme.be"),
        ("Nina", "Goossens", "nina.goossens@example.be", date(2003, 2, 27), 100, 38, date(2025, 9, 1),
         date(2026, 8, 31), "Productie", "tom@bakkerij-vandamme.be"),
        ("Jonas", "Willems", None, date(1988, 10, 19), 60, "22.8", date(2019, 10, 1), None, "Winkel",
         "tom@bakkerij-vandamme.be"),
        ("An", "Mertens", None, date(1975, 6, 6), 100, 38, date(2012, 5, 1), None, "Administratie",
         "els@bakkerij-vandamme.be"),
        ("Kevin", "Dubois", None, date(1998, 4, 1), 100, 38, date(2024, 1, 8), None, "Productie",
         "tom@bakkerij-vandamme.be"),
        ("Elif", "Kaya", None, date(2000, 9, 9), 80, "30.4", date(2022, 3, 1), None, "Winkel",
         "tom@bakkerij-vandamme.be"),
    ],
    "installer": [
        ("Lucas", "Wouters", "lucas@peeters-installaties.be", date(1994, 1, 23), 100, 40, date(2017, 8, 1), None,
         "Elektriciteit", "jan@peeters-installaties.be"),
        ("Ruben", "Hermans", "ruben.hermans@example.be", date(1986, 7, 4), 100, 40, date(2012, 2, 1), None, "Sanitair",
         "jan@peeters-installaties.be"),
        ("Sofie", "Lambert", "sofie.lambert@example.be", date(1991, 3, 18), 80, 32, date(2019, 9, 2), None, "Kantoor",
         "jan@peeters-installaties.be"),
        ("Dries", "Jacobs", None, date(2002, 12, 12), 100, 40, date(2024, 9, 1), None, "Elektriciteit",
         "jan@peeters-installaties.be"),
        ("Hanne", "Maes", None, date(1980, 5, 30), 50, 20, date(2016, 1, 4), None, "Kantoor",
         "jan@peeters-installaties.be"),
        ("Yusuf", "Demir", None, date(1997, 10, 7), 100, 40, date(2021, 5, 3), None, "Sanitair",
         "jan@peeters-installaties.be"),
    ],
}


# The training registry: employer_id NULL, visible to every employer. Course dates are offsets in days
# from today (the start snaps to a Monday); "length" is the course's span in days.
# key, registry id, title, provider, language, delivery, hours, study points, EQF, cost (EUR),
# eligible for the learning account, eligible for paid leave (VOV), micro-credential, start, length, withdrawn
TRAININGS = [
    ("boekhouden", "ODB-104211", "Boekhouden voor KMO's", "Syntra West", "nl", "onsite", "60", None, 5, "420",
     True, True, False, -320, 70, False),
    ("haccp", "ODB-105872", "Voedselveiligheid en HACCP", "Syntra Midden-Vlaanderen", "nl", "onsite", "40", None,
     4, "310", True, True, True, -285, 42, False),
    ("zuurdesem", "ODB-107340", "Bakkerij: zuurdesem en lange rijs", "Syntra Antwerpen en Vlaams-Brabant", "nl",
     "onsite", "48", None, 4, "380", True, True, False, -205, 56, False),
    ("excel", "ODB-109115", "Excel gevorderd", "CVO Antwerpen", "nl", "blended", "32", None, 4, "150",
     True, True, True, -155, 42, False),
    ("leadership", "ODB-110482", "Leadership for team leads", "Vlerick Business School", "en", "blended", "36",
     "3", 6, "1450", True, True, True, -105, 63, False),
    ("arei", "ODB-112907", "Elektrische installaties: AREI-update", "Volta", "nl", "onsite", "40", None, 4, "560",
     True, True, False, -245, 42, False),
    ("warmtepompen", "ODB-113560", "Warmtepompen: ontwerp en installatie", "Syntra Limburg", "nl", "onsite", "64",
     None, 5, "890", True, True, True, -135, 77, False),
    ("communication", "ODB-114201", "Communication client", "Syntra Brussel", "fr", "onsite", "32", None, 3, "180",
     True, True, False, -65, 98, False),
    ("viennoiserie", "ODB-115733", "Patisserie: viennoiserie en bladerdeeg", "Syntra West", "nl", "onsite", "40",
     None, 4, "340", True, True, False, -25, 90, False),
    ("pv", "ODB-116090", "Fotovoltaïsche systemen en thuisbatterijen", "Volta", "nl", "onsite", "48", None, 4,
     "620", True, True, True, -14, 98, False),
    ("marketing", "ODB-117452", "Digitale marketing voor KMO's", "Syntra Midden-Vlaanderen", "nl", "online", "40",
     None, 5, "295", True, True, False, 10, 84, False),
    ("nt2", "ODB-118003", "Nederlands op de werkvloer", "CVO Antwerpen", "nl", "onsite", "120", None, 2, "90",
     True, True, False, -60, 180, False),
    ("francais", "ODB-118516", "Français professionnel pour la vente", "CVO Gent", "fr", "onsite", "80", None, 3,
     "140", True, True, False, -40, 150, False),
    ("english", "ODB-119220", "English for customer service", "CVO Leuven-Landen", "en", "blended", "60", None, 3,
     "160", True, True, False, 5, 120, False),
    ("heftruck", "ODB-120347", "Heftruckchauffeur: basis", "VDAB", "nl", "onsite", "16", None, 2, "0",
     True, False, False, -200, 3, False),
    ("ehbo", "ODB-121004", "EHBO op het werk", "Rode Kruis-Vlaanderen", "nl", "onsite", "16", None, None, "160",
     False, False, False, -90, 14, False),
    ("vca", "ODB-121788", "VCA basisveiligheid", "Volta", "nl", "onsite", "16", None, 2, "195",
     True, False, False, -170, 7, False),
    ("fgassen", "ODB-122390", "Koeltechniek: F-gassen certificaat categorie I", "Syntra Limburg", "nl", "onsite",
     "40", None, 4, "750", True, True, True, -30, 35, False),
    ("regenwater", "ODB-123115", "Sanitaire installaties: regenwater en hergebruik", "Syntra West", "nl", "onsite",
     "24", None, 4, "260", True, False, False, -120, 21, False),
    ("projectmanagement", "ODB-124660", "Projectmanagement voor kleine bedrijven", "HOGENT", "nl", "blended", "48",
     "4", 6, "680", True, True, True, -280, 84, False),
    ("powerbi", "ODB-125098", "Data-analyse met Power BI", "Howest", "nl", "online", "40", "3", 5, "540",
     True, True, True, 20, 70, False),
    ("leidinggeven", "ODB-126233", "Leiding geven aan een klein team", "Syntra Antwerpen en Vlaams-Brabant", "nl",
     "onsite", "32", None, 5, "450", True, True, False, -190, 49, False),
    ("equipe", "ODB-127419", "Gestion d'équipe et feedback", "Syntra Brussel", "fr", "onsite", "24", None, 5, "310",
     True, False, False, -75, 28, False),
    ("cyber", "ODB-128002", "Cybersecurity basics for SMEs", "Howest", "en", "online", "16", None, 4, "120",
     True, False, True, -15, 28, False),
    ("allergenen", "ODB-128715", "Allergenen en etikettering", "Syntra West", "nl", "onsite", "16", None, 4, "140",
     True, False, False, -110, 14, False),
    ("chocolade", "ODB-129330", "Chocolade en pralines", "Syntra West", "nl", "onsite", "40", None, 4, "420",
     True, True, False, 25, 56, False),
    ("knx", "ODB-130118", "Domotica: KNX basis", "Volta", "nl", "onsite", "40", None, 4, "690",
     True, True, True, -60, 49, False),
    ("circulair", "ODB-133581", "Circulair bouwen en renoveren", "Syntra Limburg", "nl", "blended", "56", None, 5,
     "610", True, True, True, -220, 63, False),
    ("btw", "ODB-131642", "Btw en facturatie voor zelfstandigen", "Syntra Midden-Vlaanderen", "nl", "onsite", "32",
     None, 4, "280", True, True, False, -300, 56, True),
    ("ergonomie", "ODB-132207", "Ergonomie in de bakkerij", "Syntra West", "nl", "onsite", "16", None, 3, "150",
     False, False, False, -150, 7, True),
]

# Each employer's own training-right policy (through the real service, as an admin would on the
# leave-settings screen), from 1 January of last year on.
OWN_VERSIONS = {
    "bakery": ("els@bakkerij-vandamme.be", "2", "Eigen opleidingsbeleid: 2 extra opleidingsdagen per VTE (demo)"),
    "installer": ("jan@peeters-installaties.be", "3", "Eigen opleidingsbeleid: 3 opleidingsdagen per VTE (demo)"),
}

# A year of requests. employer, employee's login, leave kind, training key, when (days after the
# course starts, or from today without a training), working days, hours per day, outcome, reason.
# Outcomes: approved, rejected, pending, withdrawn, cancelled (approved, then cancelled on request),
# cancel_asked (approved, cancellation waiting for the approver).
HISTORY = [
    ("bakery", "tom@bakkerij-vandamme.be", "training", "haccp", 14, 2, "7.5", "approved", None),
    ("bakery", "tom@bakkerij-vandamme.be", "training", "leadership", 21, 1, "7", "approved", None),
    ("bakery", "tom@bakkerij-vandamme.be", "career_guidance", None, -200, 1, None, "approved", None),
    ("bakery", "tom@bakkerij-vandamme.be", "training", "viennoiserie", 49, 2, "7.5", "pending", None),
    ("bakery", "sarah@bakkerij-vandamme.be", "training", "boekhouden", 14, 1, "6", "approved", None),
    ("bakery", "sarah@bakkerij-vandamme.be", "training", "boekhouden", 28, 1, "6", "rejected",
     "Eindejaarsdrukte in de winkel: die dag kan ik niemand missen. Volg je de les van twee weken later?"),
    ("bakery", "sarah@bakkerij-vandamme.be", "training", "boekhouden", 42, 1, "6", "approved", None),
    ("bakery", "sarah@bakkerij-vandamme.be", "career_guidance", None, -150, "half", None, "approved", None),
    ("bakery", "sarah@bakkerij-vandamme.be", "training", "communication", 77, 1, "7", "cancel_asked",
     "De lesdag is verplaatst door de opleider; ik dien een nieuwe aanvraag in."),
    ("bakery", "sarah@bakkerij-vandamme.be", "training", "viennoiserie", 56, 1, "6", "pending", None),
    ("bakery", "mehmet.yilmaz@example.be", "training", "zuurdesem", 14, 3, "7.5", "approved", None),
    ("bakery", "mehmet.yilmaz@example.be", "training", "zuurdesem", 35, 2, "7.5", "cancelled",
     "Module geannuleerd door de opleider wegens te weinig inschrijvingen."),
    ("bakery", "mehmet.yilmaz@example.be", "training", "excel", 14, 1, "4", "withdrawn", None),
    ("bakery", "mehmet.yilmaz@example.be", "training", "viennoiserie", 63, 2, "7.5", "pending", None),
    ("bakery", "bram.desmet@example.be", "training", "haccp", 21, 1, "7.5", "rejected",
     "Twee collega's zijn die week al weg; de productie kan niet met minder. Kies een andere lesdag."),
    ("bakery", "bram.desmet@example.be", "training", "zuurdesem", 21, 2, "7.5", "approved", None),
    ("bakery", "bram.desmet@example.be", "career_guidance", None, -60, 1, None, "approved", None),
    ("bakery", "bram.desmet@example.be", "evc", None, -110, 1, None, "approved", None),
    ("bakery", "bram.desmet@example.be", "career_guidance", None, 15, "half", None, "pending", None),
    ("installer", "lucas@peeters-installaties.be", "training", "arei", 14, 2, "8", "approved", None),
    ("installer", "lucas@peeters-installaties.be", "training", "warmtepompen", 14, 3, "8", "approved", None),
    ("installer", "lucas@peeters-installaties.be", "training", "warmtepompen", 42, 2, "8", "rejected",
     "De werf in Mechelen moet die week opgeleverd worden. We plannen de volgende module samen."),
    ("installer", "lucas@peeters-installaties.be", "training", "pv", 28, 2, "8", "pending", None),
    ("installer", "lucas@peeters-installaties.be", "career_guidance", None, -45, 1, None, "approved", None),
    ("installer", "ruben.hermans@example.be", "training", "arei", 21, 2, "8", "approved", None),
    ("installer", "ruben.hermans@example.be", "training", "warmtepompen", 35, 1, "8", "approved", None),
    ("installer", "ruben.hermans@example.be", "training", "knx", 28, 1, "8", "approved", None),
    ("installer", "ruben.hermans@example.be", "training", "pv", 35, 1, "8", "pending", None),
    ("installer", "sofie.lambert@example.be", "training", "communication", 21, 1, "6", "approved", None),
    ("installer", "sofie.lambert@example.be", "training", "marketing", 14, 1, "6", "pending", None),
    ("installer", "sofie.lambert@example.be", "career_guidance", None, -20, 1, None, "approved", None),
]
EVC_COMPETENCES = 2  # the one EVC request: two competences recognised, 16 h each


# Co-funding --------------------------------------------------------------------------------------

# The bearer token the development register accepts for each demo employer.
REGISTER_TOKEN = "demo-token-{enterprise_number}"  # noqa: S105 - a development token, public on purpose
# The bearer token of the development register's dev-only endpoints (devregister/dev.py), which the seed uses.
REGISTER_DEV_TOKEN = "demo-dev-token"  # noqa: S105 - a development token, public on purpose
# The development register's platform token, for its public training registry (when LEDGER_TOKEN is not set).
REGISTER_PLATFORM_TOKEN = "demo-platform-token"  # noqa: S105 - a development token, public on purpose

# Each employer's co-funding policy, for last year and this year (set by its admin).
COFUNDING_POLICIES = {
    "bakery": {"admin": "els@bakkerij-vandamme.be", "budget": "6000", "cap_per_employee": "1500",
               "max_share_pct": "50", "gives_top_up": True, "gives_course_fee": True, "admin_approval_above": "750"},
    "installer": {"admin": "jan@peeters-installaties.be", "budget": "3000", "cap_per_employee": "1000",
                  "max_share_pct": "60", "gives_top_up": True, "gives_course_fee": True,
                  "admin_approval_above": "500"},
}

# A year of co-funding. employer, employee, asked by (login), training key (None: a top-up), linked to the
# employee's approved training leave for that training (then asked and decided on the leave's days), days
# before today it was asked (unlinked ones), parts in euros, outcome, reason.
# Outcomes: booked (approved, then booked by the register), approved (reserved, not booked yet), pending,
# second_step (the manager agreed; above the policy's amount an admin decides), rejected, cancelled.
# Every row keeps every rule even when the whole history falls in one calendar year: employer part at most
# the policy's share of the cost and the cap per employee; vouchers never with an employer part or the SME
# wallet; the SME wallet at most 30 % of the cost.
COFUNDING = [
    ("bakery", "Tom Claes", "tom@bakkerij-vandamme.be", "haccp", True, None, {"employer": "155"}, "booked", None),
    ("bakery", "Tom Claes", "tom@bakkerij-vandamme.be", "leadership", True, None,
     {"employer": "725", "sme_wallet": "435"}, "booked", None),
    ("bakery", "Sarah Janssens", "sarah@bakkerij-vandamme.be", "boekhouden", True, None, {"employer": "210"},
     "booked", None),
    ("bakery", "Mehmet Yilmaz", "mehmet.yilmaz@example.be", "zuurdesem", True, None, {"vouchers": "125"},
     "approved", None),
    ("bakery", "Bram De Smet", "bram.desmet@example.be", "zuurdesem", True, None,
     {"employer": "190", "sme_wallet": "114"}, "booked", None),
    ("bakery", "An Mertens", "tom@bakkerij-vandamme.be", None, False, 345, {"employer": "150"}, "booked", None),
    ("bakery", "Wim Verbeke", "tom@bakkerij-vandamme.be", None, False, 280, {"employer": "400"}, "booked", None),
    ("bakery", "Mehmet Yilmaz", "tom@bakkerij-vandamme.be", None, False, 240, {"employer": "300"}, "booked", None),
    ("bakery", "Lotte Peeters", "tom@bakkerij-vandamme.be", None, False, 200, {"employer": "200"}, "cancelled",
     "Lotte volgt de opleiding pas volgend jaar: het budget komt vrij."),
    ("bakery", "Sarah Janssens", "tom@bakkerij-vandamme.be", None, False, 150, {"employer": "250"}, "approved",
     None),
    ("bakery", "Bram De Smet", "bram.desmet@example.be", "leidinggeven", False, 100, {"employer": "225"},
     "rejected", "Past dit jaar niet in het opleidingsplan van de productie. We bekijken het opnieuw in het najaar."),
    ("bakery", "Kevin Dubois", "tom@bakkerij-vandamme.be", "excel", False, 20, {"employer": "75"}, "approved",
     None),
    ("bakery", "Sarah Janssens", "sarah@bakkerij-vandamme.be", "viennoiserie", False, 6, {"employer": "170"},
     "pending", None),
    ("bakery", "Mehmet Yilmaz", "mehmet.yilmaz@example.be", "chocolade", False, 4, {"employer": "210"},
     "pending", None),
    ("bakery", "Bram De Smet", "bram.desmet@example.be", None, False, 3, {"employer": "800"}, "second_step", None),
    ("installer", "Lucas Wouters", "lucas@peeters-installaties.be", "arei", True, None, {"employer": "336"},
     "booked", None),
    ("installer", "Lucas Wouters", "lucas@peeters-installaties.be", "warmtepompen", True, None,
     {"employer": "400", "sme_wallet": "267"}, "booked", None),
    ("installer", "Ruben Hermans", "ruben.hermans@example.be", "knx", True, None, {"employer": "414"}, "booked",
     None),
    ("installer", "Ruben Hermans", "ruben.hermans@example.be", "arei", True, None, {"vouchers": "250"},
     "approved", None),
    ("installer", "Sofie Lambert", "sofie.lambert@example.be", "communication", True, None, {"employer": "108"},
     "approved", None),
    ("installer", "Sofie Lambert", "sofie.lambert@example.be", None, False, 340, {"employer": "150"}, "booked",
     None),
    ("installer", "Ruben Hermans", "ruben.hermans@example.be", None, False, 200, {"employer": "200"}, "booked",
     None),
    ("installer", "Lucas Wouters", "lucas@peeters-installaties.be", "pv", False, 90, {"employer": "200"},
     "cancelled", "De opleider heeft de module verschoven naar het voorjaar."),
    ("installer", "Sofie Lambert", "sofie.lambert@example.be", "marketing", False, 60, {"employer": "177"},
     "rejected", "Digitale marketing doen we dit jaar met een extern bureau; kies een opleiding voor de planning."),
    ("installer", "Sofie Lambert", "sofie.lambert@example.be", "cyber", False, 5, {"employer": "72"}, "pending",
     None),
    ("installer", "Ruben Hermans", "ruben.hermans@example.be", "pv", False, 7, {"employer": "372"}, "pending",
     None),
]


# Working lives -----------------------------------------------------------------------------------

# Who does not work Monday to Friday: hours on each weekday, Monday first. Fatima works in the shop from
# Tuesday to Saturday (the bakery is closed on Monday), 30.4 h over five days.
PATTERNS = {
    ("Fatima", "El Amrani"): ["0", "6.08", "6.08", "6.08", "6.08", "6.08", "0"],
}

# A change of regime this year, recorded by the admin on the person's screen: from the first of the month
# some months ago (never before 1 January), Elif goes from 80 % to 50 %.
REGIME_CHANGE = {
    "employer": "bakery", "employee": ("Elif", "Kaya"), "by": "els@bakkerij-vandamme.be", "months_ago": 5,
    "employment_pct": "50", "hours_per_week": "19", "pattern": ["3.8", "3.8", "3.8", "3.8", "3.8", "0", "0"],
    "reason": "Halftijds na ouderschapsverlof (demo)",
}

# An approved request from a public holiday (Monday to Thursday) to the next day: one day counted, the
# holiday shown as skipped.
HOLIDAY_REQUEST = {
    "employer": "bakery", "employee": ("Mehmet", "Yilmaz"), "kind": "career_guidance",
    "note": "Loopbaanbegeleiding bij de VDAB (demo)",
}

# Ended VOV courses: the employee who recorded the final assessment (released for the refund claim), and
# the one who did not (withdrawn once the grace period is over). employer, login, training key, recorded.
FINAL_ASSESSMENTS = [
    ("bakery", "tom@bakkerij-vandamme.be", "haccp", True),
    ("bakery", "mehmet.yilmaz@example.be", "zuurdesem", False),
]

# The employer's own closing days, each year: employer, added by, first (month, day), last, name.
CLOSURES = [
    ("bakery", "els@bakkerij-vandamme.be", (7, 27), (8, 9), "Jaarlijkse sluiting bakkerij"),
]
