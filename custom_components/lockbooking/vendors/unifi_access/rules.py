"""The code rules of UniFi Access visitor PINs, as data for the planner."""

from datetime import timedelta

from ...models import CodeKind, CodeRules

# The controller's site setting fixes their length (4-8 digits, unknown until one is
# generated, so a chosen code of the wrong length is refused by the controller);
# windows are Unix seconds, floored here to the minute.
UNIFI_ACCESS_VISITOR_PIN = CodeRules(
    kind=CodeKind.VISITOR_PIN,
    lengths=(4, 5, 6, 7, 8),
    align=timedelta(minutes=1),
    chosen_code=True,
)
