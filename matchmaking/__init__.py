"""Business matchmaking (商务撮合): profiles, meeting requests, slots and live booth queues.

Not yet a feature: it declares no entry point until it has routes and commands of its own.
"""
