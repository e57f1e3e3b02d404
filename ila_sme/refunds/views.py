"""Refunds the employer can claim: the approved Flemish training leave (VOV) of a school year."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, request
from flask_login import current_user, login_required

from ila_sme import dates, permissions
from ila_sme.refunds.services import refund_sheet, school_year
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import Scheme
from ila_sme.tenancy import current_employer
from ila_sme.web import render

bp = Blueprint("refunds", __name__, url_prefix="/refunds")


@bp.get("/vov")
@login_required
def vov():
    employer = current_employer()
    permissions.require(permissions.can_view_finance(current_user, employer))
    today = dates.today()
    period = school_year(request.args.get("school_year"), today)
    current = schemes.period_of(Scheme.VOV, today)
    years = sorted({schemes.period_of(Scheme.VOV, date(current.start.year + offset, 9, 1)).label
                    for offset in range(-4, 2)} | {period.label}, reverse=True)
    return render("refunds/vov.html", "sheet", sheet=refund_sheet(employer, period), years=years)
