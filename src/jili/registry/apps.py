from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "jili.registry"
    label = "registry"
    verbose_name = "Registry / 登记册"
    default_auto_field = "django.db.models.BigAutoField"
