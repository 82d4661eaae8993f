from django.urls import path

from .consumers import NewsroomConsumer

websocket_urlpatterns = [path("ws/newsroom/", NewsroomConsumer.as_asgi())]
