from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from minsheng.catalog.forms import ItemForm
from minsheng.catalog.models import Item
from minsheng.catalog.services import item_update
from minsheng.core.decorators import role_required
from minsheng.core.forms import add_service_errors
from minsheng.core.typing import ActorRequest


@role_required("catalog.view_item")
def item_list(request: ActorRequest) -> HttpResponse:
    items = Item.objects.prefetch_related("owners").order_by("number")
    return render(request, "catalog/item_list.html", {"items": items})


@role_required("catalog.view_item")
def item_detail(request: ActorRequest, number: int) -> HttpResponse:
    item = get_object_or_404(Item.objects.prefetch_related("owners", "follow_on"), number=number)
    form = ItemForm(request.POST or None, item=item)
    if request.method == "POST":
        if not request.user.has_perm("catalog.change_item"):
            return render(request, "403.html", status=403)
        if form.is_valid():
            try:
                revision = item_update(
                    actor=request.user, item=item, changes=form.changes(), reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved.") if revision else _("Nothing was changed."))
                return redirect("catalog:item_detail", number=item.number)
    context = {
        "item": item,
        "form": form,
        "revisions": item.revisions.select_related("revised_by")[:20],
        "can_change": request.user.has_perm("catalog.change_item"),
    }
    return render(request, "catalog/item_detail.html", context, status=400 if form.errors else 200)
