from ninja import NinjaAPI

api = NinjaAPI(title="Shequ API", version="1", urls_namespace="api")
