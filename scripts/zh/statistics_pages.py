"""Chinese of the statistics pages (智慧民政, issue 7): dashboard, big screen (大屏), Excel downloads."""

ZH = {
    # Pages
    "Statistics": "统计分析",
    "Civil-affairs statistics": "民政统计",
    "Civil-affairs statistics of %(area)s": "%(area)s民政统计",
    "Area trail": "区域层级",
    "Period": "统计期间",
    "From month": "起始月",
    "To month": "截止月",
    "Show": "显示",
    "Download all tables (Excel)": "下载全部表格（Excel）",
    "Download Excel": "下载 Excel",
    "Big screen": "大屏",
    "Full screen": "全屏显示",
    "Back to the dashboard": "返回统计页",
    "Figures as of": "数据截至",
    "Headline figures": "主要指标",
    "Not available (module not built)": "暂无数据（模块未建）",
    "Not available (module not built):": "暂无数据（模块未建）：",
    "Period: %(period)s": "统计期间：%(period)s",
    "Click a bar or an area's name to open that area.": "点击柱形或地区名称，查看下一级地区。",
    "No records in this area and period.": "该地区本期间暂无记录。",
    "The figures cannot be shown for this query:": "无法按此条件显示统计数据：",
    "Back to the default view": "返回默认查询",
    "An area is a 12-digit division code.": "地区须为 12 位统计用区划代码。",
    "No such table.": "没有这张统计表。",
    "%(amount)s hundred million yuan": "%(amount)s 亿元",
    "%(amount)s ten thousand yuan": "%(amount)s 万元",
    "%(amount)s yuan": "%(amount)s 元",
    "about %(amount)s": "约 %(amount)s",
    # Excel
    "Area": "区域",
    "Figure": "指标",
    "Value": "数值",
    "Unit": "单位",
    "Note": "备注",
    "%(column)s (yuan)": "%(column)s（元）",
    "%(column)s (%%)": "%(column)s（%%）",
}

ZH_IN_CONTEXT = {
    ("unit", "persons"): "人",
    ("unit", "yuan"): "元",
    ("unit", "items"): "件",
    ("unit", "person-times"): "人次",
}
