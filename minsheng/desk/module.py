"""我的待办: one page of what is due for the signed-in worker, built from every module's ``due_work``, and the
worker's notices (new online applications, uploads, decisions), with their counts in the header."""

from minsheng.core.modules import Module
from minsheng.desk.selectors import due_count, unread_count

MODULE = Module(
    app_label="desk",
    urls=("desk/", "minsheng.desk.urls"),
    badges={"todo": due_count, "desk_notices": unread_count},
)
