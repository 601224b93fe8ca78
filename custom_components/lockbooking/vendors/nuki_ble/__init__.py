"""One Nuki smart lock over Bluetooth LE.

Nothing is imported here: the flow steps load without the Bluetooth stack.
"""
