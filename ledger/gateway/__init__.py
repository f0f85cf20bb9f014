"""CraftingStore custom payment gateway: Tally tells CraftingStore where to send the buyer,
and tells it when the buyer has paid.

    CraftingStore --PENDING-->  callbacks.receive  -> PendingPayment, answer {"data": {"url": ...}}
    owner / provider --------> confirmation       -> signed confirmation to CraftingStore,
                                                     then the Purchase (payments.complete)
    CraftingStore --PAID----->  callbacks.receive  -> the Purchase (idempotent)
    CraftingStore --CHARGE-BACK-> callbacks.receive -> apply_reversal (idempotent)

``setup`` connects it and makes its keys; ``payments`` reads payments and turns a paid one
into a purchase. Callbacks reuse the webhook pipeline's pieces (target lookup, secret,
delivery log) but answer in CraftingStore's format. The confirmation to CraftingStore is
sent with no database transaction open, so a slow store never holds a lock.
"""
