"""Chinese of the payroll jobs (issue 6, point 5): a preparation queued for a Celery worker, its progress and outcome."""

ZH = {
    "payroll job": "发放编制任务",
    "payroll jobs": "发放编制任务",
    "attempts": "执行次数",
    "error": "错误",
    "Preparation": "编制进度",
    "Open the payroll": "查看发放批次",
    "No worker finished this preparation; it was given up. Prepare the payroll again.": (
        "后台任务长时间未完成本次编制，已放弃。请重新编制。"
    ),
    "The payroll could not be prepared because of an error on the server (%(kind)s). Try again later.": (
        "服务器出错（%(kind)s），发放名册未能编制。请稍后重试。"
    ),
    "This payroll is being prepared already; here is that preparation.": "该发放名册正在编制中，以下为其进度。",
    "Preparing the payroll of %(programme)s for %(month)s in %(county)s": (
        "编制 %(county)s %(month)s %(programme)s 发放名册"
    ),
    "%(lines)s lines, ¥%(total)s; %(held)s held back, ¥%(held_total)s.": (
        "共 %(lines)s 笔，¥%(total)s；暂缓 %(held)s 笔，¥%(held_total)s。"
    ),
    "Waiting for a worker.": "排队等待后台任务处理。",
    "A worker is writing the lines; the batch appears all at once when it is complete.": (
        "后台任务正在生成发放明细；全部完成后批次一次性生效。"
    ),
    "Attempt %(n)s: an earlier worker stopped before finishing, nothing of it was kept.": (
        "第 %(n)s 次执行：上一次执行中途中断，其结果未保留。"
    ),
    "Asked for by %(who)s at %(when)s.": "由 %(who)s 于 %(when)s 发起。",
}

# The job's statuses (pgettext "payroll job"): "Running" elsewhere is an import's.
ZH_IN_CONTEXT = {
    ("payroll job", "Queued"): "排队中",
    ("payroll job", "Running"): "编制中",
    ("payroll job", "Done"): "已完成",
    ("payroll job", "Failed"): "失败",
}
