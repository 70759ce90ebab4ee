from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "jili.web"
    label = "web"
    verbose_name = "Site / 网站"
