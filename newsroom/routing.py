from django.urls import path

from analytics.consumers import ReadershipConsumer

from .consumers import NewsroomConsumer

websocket_urlpatterns = [
    path("ws/newsroom/", NewsroomConsumer.as_asgi()),
    path("ws/readership/", ReadershipConsumer.as_asgi()),
]
