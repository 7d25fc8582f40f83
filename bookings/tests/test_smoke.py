from bookings import services


def test_book_confirms_and_counts(attendee, published_event):
    booking = services.book(user=attendee, event=published_event)
    published_event.refresh_from_db()
    assert booking.status == "confirmed"
    assert published_event.booked_seats == 1
