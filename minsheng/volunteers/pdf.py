"""The certificate of volunteer service (志愿服务证明) as a paper: drawn by the platform's paper helper
(``core.pdf``: the CID font, the layout), with the code anyone checks on the public page."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from minsheng.core.pdf import Notice, render_notice
from minsheng.volunteers.models import Certificate


def certificate_pdf(certificate: Certificate, *, name: str, id_masked: str) -> bytes:
    """The certificate: the volunteer's name and masked ID, the hours and star level when issued, the code."""
    return render_notice(
        Notice(
            title=_("Certificate of volunteer service"),
            addressee="",
            facts=[
                (_("Volunteer"), name),
                (_("ID number"), id_masked),
                (_("Cumulative service hours"), f"{certificate.hours_tenths / 10:g}"),
                (_("Star level"), str(certificate.get_star_display())),
                (_("Issued on"), certificate.issued_on.strftime("%Y-%m-%d")),
                (_("Verification code"), certificate.code),
            ],
            closing=_("Anyone may check this certificate by its code on the page %(path)s.")
            % {"path": reverse("volunteers:verify")},
            issuer=_("Civil affairs bureau, volunteer service (seal)"),
        )
    )
