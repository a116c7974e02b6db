"""Write the export fixtures of this folder (run: .venv/bin/python -m tests.exports.build).

Each file follows the column layout of a real export (sources in README.md) with rows made up
for the test: valid tracking numbers, the junk merchants' files really hold, and the date,
country and email forms of each tool. The expected results are in expected.json.
"""

import csv
import io
from datetime import date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent


def write_csv(name, rows, delimiter=",", encoding="utf-8", bom=False):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    data = buffer.getvalue().encode(encoding)
    (HERE / name).write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


EBAY_HEADER = [
    "Sales Record Number", "Order Number", "Buyer Username", "Buyer Name", "Buyer Email",
    "Buyer Note", "Buyer Address 1", "Buyer Address 2", "Buyer City", "Buyer State", "Buyer Zip",
    "Buyer Country", "Ship To Name", "Ship To Phone", "Ship To Address 1", "Ship To Address 2",
    "Ship To City", "Ship To State", "Ship To Zip", "Ship To Country", "Item Number",
    "Item Title", "Custom Label", "Quantity", "Sold For", "Shipping And Handling",
    "Total Price", "Payment Method", "Sale Date", "Paid On Date", "Ship By Date",
    "Shipped On Date", "Feedback Left", "Feedback Received", "My Item Note",
    "PayPal Transaction ID", "Shipping Service", "Tracking Number", "Transaction ID",
    "Variation Details", "Global Shipping Program", "Global Shipping Reference ID",
]  # fmt: skip


def ebay_row(record, order, user, name, email, country, shipped, number, service="USPS"):
    row = dict.fromkeys(EBAY_HEADER, "")
    row.update({
        "Sales Record Number": record, "Order Number": order, "Buyer Username": user,
        "Buyer Name": name.upper(), "Buyer Email": email, "Buyer Country": country,
        "Ship To Name": name, "Ship To Phone": "+1 555 0100", "Ship To Country": country,
        "Item Number": "125678901234", "Item Title": "Vintage lamp", "Quantity": "1",
        "Sold For": "$24.99", "Shipping And Handling": "$5.00", "Total Price": "$29.99",
        "Payment Method": "eBay Managed Payments", "Sale Date": "Mar-01-25",
        "Paid On Date": "Mar-01-25", "Shipped On Date": shipped, "Shipping Service": service,
        "Tracking Number": number, "Transaction ID": "2345678901",
    })  # fmt: skip
    return [row[h] for h in EBAY_HEADER]


def ebay():
    write_csv("ebay_orders_report.csv", [
        EBAY_HEADER,
        [""] * len(EBAY_HEADER),  # eBay leaves an empty line under the header
        ebay_row("1001", "12-11111-11111", "annshop", "Ann Archer", "ann@shop.test",
                 "United States", "Mar-04-25", "9400111206206406260787"),
        ebay_row("1002", "12-22222-22222", "bobb", "Bob Baker", "bob@shop.test",
                 "United States", "Mar-05-25", "TBD"),
        ebay_row("1003", "12-33333-33333", "cyc", "Cy Cole", "cy@shop.test",
                 "Canada", "Mar-05-25", "0073938000549297", "Canada Post"),
        ["", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
         "", "", "", "", "", "", "$59.98"] + [""] * 15,  # the totals line under the orders
        ["3 record(s) downloaded, from 03/01/2025 to 03/05/2025"],
        ["Seller ID : annshop-seller"],
    ], bom=True)  # fmt: skip


EBAY_DE_HEADER = [
    "Verkaufsprotokollnummer", "Bestellnummer", "Nutzername des Käufers", "Name des Käufers",
    "E-Mail des Käufers", "Versand an Name", "Versand an Telefon", "Versand an Adresse 1",
    "Versand an Ort", "Versand an PLZ", "Versand an Land", "Artikelnummer",
    "Artikelbezeichnung", "Stückzahl", "Verkauft für", "Verkaufsdatum", "Versandt am",
    "Versandservice", "Sendungsnummer",
]  # fmt: skip


def ebay_de():
    rows = [
        EBAY_DE_HEADER,
        ["2001", "05-12345-67890", "mueller_k", "K. Müller", "k.mueller@shop.test",
         "Klara Müller", "030 1234567", "Hauptstr. 1", "Berlin", "10115", "Deutschland",
         "334455667788", "Kaffeemühle", "1", "24,99 EUR", "01-Mär-25", "04-Mär-25", "DHL Paket",
         "00340434161094010006"],
        ["2002", "05-22345-67890", "jo_s", "J. Schulz", "jo@shop.test", "Jonas Schulz",
         "", "Ringweg 2", "Wien", "1010", "Österreich", "334455667789", "Teekanne", "1",
         "19,90 EUR", "25-Feb-25", "26-Feb-25", "Deutsche Post", "RR987654326DE"],
        ["2003", "05-32345-67890", "lena", "L. Becker", "lena@shop.test", "Lena Becker", "",
         "Am Markt 3", "Hamburg", "20095", "Deutschland", "334455667790", "Becher", "2",
         "9,80 EUR", "03-Mär-25", "", "", "ohne Sendungsnummer"],
    ]  # fmt: skip
    write_csv("ebay_de_bestellungen.csv", rows, delimiter=";", encoding="cp1252")


ETSY_HEADER = [
    "Sale Date", "Item Name", "Buyer", "Quantity", "Price", "Coupon Code", "Coupon Details",
    "Discount Amount", "Shipping Discount", "Order Shipping", "Order Sales Tax", "Item Total",
    "Currency", "Transaction ID", "Listing ID", "Date Paid", "Date Shipped", "Ship Name",
    "Ship Address1", "Ship Address2", "Ship City", "Ship State", "Ship Zipcode",
    "Ship Country", "Order ID", "Variations", "Tracking Number",
]  # fmt: skip


def etsy_row(sold, buyer, shipped, name, country, order, number):
    return [sold, "Knitted hat", buyer, "1", "18.99", "", "", "0", "0", "4.20", "0", "18.99",
            "USD", "2815078325" + order[-1], "953074300", sold, shipped, name, "1 Main St",
            "", "Springfield", "MA", "01101", country, order, "Color:Gray", number]  # fmt: skip


def etsy():
    write_csv("etsy_sold_order_items.csv", [
        ETSY_HEADER,
        etsy_row("03/01/25", "knitfan88", "03/04/25", "Dana Dale", "United States",
                 "3001", "1Z999AA10123456784"),
        etsy_row("03/01/25", "woolly_w", "03/14/25", "Wes Wool", "Canada", "3002",
                 "LX123456785CN"),
        etsy_row("03/02/25", "knitfan88", "03/04/25", "Dana Dale", "United States",
                 "3003", "1Z999AA10123456784"),  # two orders, one parcel: combined shipping
        etsy_row("03/02/25", "pat_p", "", "Pat Post", "United States", "3004", "see email"),
    ])  # fmt: skip


def woocommerce():
    write_csv("woocommerce_orders_ast.csv", [
        ["Order ID", "Order Date", "Order Status", "Shipping First Name", "Shipping Last Name",
         "Billing Email", "Shipping Country", "Order Total", "Tracking Provider",
         "Tracking Number", "Date Shipped"],
        ["4001", "2025-03-01 10:12:00", "completed", "Eva", "Ernst", "eva@shop.test", "DE",
         "34.90", "Deutsche Post DHL", "CP111222332DE", "04-03-2025"],
        ["4002", "2025-03-01 11:40:00", "completed", "Finn", "Fox", "finn@shop.test", "FR",
         "12.00", "La Poste", "CX314159268FR", "13-03-2025"],
        ["4003", "2025-03-02 09:00:00", "processing", "Gus", "Grey", "gus@shop.test", "ES",
         "22.50", "", "N/A", ""],
        ["4004", "2025-03-02 09:30:00", "completed", "Hana", "Hill", "hana@shop.test", "GB",
         "8.00", "Royal Mail", "=HYPERLINK(\"https://www.royalmail.com/track\",\"RB\")",
         "05-03-2025"],
    ])  # fmt: skip


def amazon():
    write_csv("amazon_shipping_confirmation.txt", [
        ["order-id", "order-item-id", "quantity", "ship-date", "carrier-code", "carrier-name",
         "tracking-number", "ship-method", "recipient-name", "buyer-name", "ship-country"],
        ["111-1234567-1234567", "12345678901234", "1", "2025-03-04", "UPS", "",
         "1Z999AA10123456784", "Ground", "Ivy Ives", "Ivy's Office Ltd", "US"],
        ["111-1234567-1234567", "12345678901235", "2", "2025-03-04", "UPS", "",
         "1Z999AA10123456784", "Ground", "Ivy Ives", "Ivy's Office Ltd", "US"],
        ["111-7654321-7654321", "22345678901234", "1", "2025-03-05", "Other", "YunExpress",
         "YT2229521272164446", "Standard", "Jay Jones", "Jay Jones", "GB"],
        ["111-5555555-5555555", "32345678901234", "1", "2025-03-05", "USPS", "",
         "+1 (555) 010-0199", "Priority", "Kim Kerr", "Kim Kerr", "US"],
    ], delimiter="\t")  # fmt: skip


def paypal():
    write_csv("paypal_activity_download.csv", [
        ["Date", "Time", "TimeZone", "Name", "Type", "Status", "Currency", "Gross", "Fee",
         "Net", "From Email Address", "To Email Address", "Transaction ID", "Shipping Address",
         "Item Title", "Invoice Number", "Country", "Country Code", "Tracking Number"],
        ["04/03/2025", "10:15:00", "GMT", "Lia Lane", "Website Payment", "Completed", "GBP",
         "25,00", "-1,04", "23,96", "lia@shop.test; lia.lane@work.test", "shop@shop.test",
         "1AB23456CD789012E", "Lia Lane, 1 High St, London", "Scarf", "INV-5001",
         "United Kingdom", "GB", "LY555444339GB"],
        ["05/03/2025", "11:20:00", "GMT", "Max Moor", "Website Payment", "Completed", "GBP",
         "12,00", "-0,66", "11,34", "max@shop.test", "shop@shop.test", "2AB23456CD789012E",
         "Max Moor, 2 Low Rd, Leeds", "Gloves", "INV-5002", "United Kingdom", "GB",
         "max@shop.test"],
        ["13/03/2025", "09:05:00", "GMT", "Nia Nash", "Website Payment", "Completed", "GBP",
         "30,00", "-1,22", "28,78", "nia@shop.test", "shop@shop.test", "3AB23456CD789012E",
         "Nia Nash, Dublin", "Hat", "INV-5003", "Ireland", "IE", "RB123456785GB"],
    ])  # fmt: skip


def shipstation():
    write_csv("shipstation_shipments.csv", [
        ["Ship Date", "Order #", "Recipient", "Email", "Country", "Carrier", "Service",
         "Tracking #", "Weight", "Shipping Cost"],
        ["3/4/2025", "6001", "Olga Orr", "olga@shop.test", "US", "USPS",
         "USPS Ground Advantage", "9400111206206406260787", "1 lb 2 oz", "$5.40"],
        ["3/14/2025", "6002", "Olga Orr", "olga@shop.test", "US", "USPS",
         "USPS Ground Advantage", "9400 1112 0620 6406 2607 87", "0 lb 9 oz", "$4.10"],
        ["3/5/2025", "6003", "Pia Pratt", "pia@shop.test", "CA", "FedEx", "Ground",
         "12345", "2 lb", "$9.00"],
    ])  # fmt: skip


def aftership():
    write_csv("aftership_csv_import.csv", [
        ["tracking_number", "courier", "order_id", "title", "customer_name", "emails",
         "origin_country", "destination_country", "order_path"],
        ["LZ271828189ES", "spain-correos", "7001", "#7001", "Quim Quer",
         "quim@shop.test,quim.q@work.test", "ESP", "ESP", "https://shop.test/orders/7001"],
        ["EE161803397IT", "poste-italiane", "7002", "#7002", "Rita Rossi", "rita@shop.test",
         "ITA", "ITA", "https://shop.test/orders/7002"],
        ["=1+1", "ups", "7003", "#7003", "Sam Stone", "sam@shop.test", "USA", "USA", ""],
        ["https://www.ups.com/track?loc=en_US&tracknum=1Z999AA10123456784", "ups", "7004",
         "#7004", "Tom Tate", "tom@shop.test", "USA", "USA", ""],
    ])  # fmt: skip


def trackingmore():
    write_csv("trackingmore_batch_import.csv", [
        ["Tracking Number", "Courier", "Order Number", "Customer Name", "Customer Email",
         "Destination Country", "Ship Date", "Comment"],
        ["RA141421354NL", "PostNL", "8001", "Uma Uil", "uma@shop.test", "Netherlands",
         "2025/03/04", "fragile"],
        ["LE173205087PT", "CTT", "8002", "Vera Vaz", "vera@shop.test", "PRT", "2025/03/05", ""],
        ["PENDING", "", "8003", "Wim Wit", "wim@shop.test", "NLD", "", ""],
        ["Total: 2 shipments", "", "", "", "", "", "", ""],
    ])  # fmt: skip


def pasted():
    text = (
        "Tracking number\n"
        "LX123456785CN\n"
        "lx 1234 5678 5cn\n"  # the same number typed differently: one shipment
        "N/A\n"
        "RB123456785GB, CA343434342GB\n"
        "https://www.royalmail.com/track-your-item#/tracking-results/RB123456785GB\n"
        "ann@shop.test\n"
        "\n"
        "-\n"
    )
    (HERE / "pasted_list.txt").write_text(text, encoding="utf-8")


def french():
    write_csv("boutique_fr_expeditions.csv", [
        ["N° de commande", "Date d'expédition", "Destinataire", "Courriel", "Pays",
         "Transporteur", "Numéro de suivi", "Montant"],
        ["FR-9001", "4 mars 2025", "Zoé Lefèvre", "zoe@boutique.test", "Allemagne",
         "Colissimo", "CX314159268FR", "12,50 €"],
        ["FR-9002", "26 févr. 2025", "Élise Noël", "elise@boutique.test", "Belgique",
         "La Poste", "en attente", "8,00 €"],
        ["FR-9003", "13 mars 2025", "Hélène Roux", "helene@boutique.test", "Espagne",
         "La Poste", "LZ271828189ES", "20,00 €"],
    ], delimiter=";", encoding="cp1252")  # fmt: skip


def excel():
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Order", "Tracking Number", "Customer", "Ship date", "Country"])
    sheet.append(["#10001", "LX123456785CN", "Ann Archer", datetime(2025, 3, 4), "GB"])
    sheet.append(["#10002", 9.4001112062064e21, "Bob Baker", date(2025, 3, 5), "US"])
    sheet.append(["#10003", "RX232323232DE", "Cy Cole", 45722, "Germany"])  # a serial date
    sheet.append(["#10004", "#N/A", "Dee Dunn", None, ""])
    workbook.save(HERE / "excel_orders.xlsx")


def libreoffice_like():
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(HERE / "sheet_with_title.xlsx"))
    sheet = workbook.add_worksheet("Versand")
    dates = workbook.add_format({"num_format": "dd.mm.yyyy"})
    sheet.write(0, 1, "Versandliste März 2025")  # a title above the header, one column in
    for col, text in enumerate(["Bestellnummer", "Sendungsnummer", "Empfänger", "Land"]):
        sheet.write(2, col + 1, text)
    rows = [["B-1", "RR987654326DE", "Jana Jung", "DE"], ["B-2", "k.A.", "Kai Kurz", "AT"]]
    for r, row in enumerate(rows, start=3):
        for col, value in enumerate(row):
            sheet.write_string(r, col + 1, value)
    sheet.write_datetime(3, 5, datetime(2025, 3, 4), dates)
    workbook.close()


def shopify():
    write_csv("shopify_orders_export.csv", [
        ["Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at",
         "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes", "Total",
         "Discount Code", "Discount Amount", "Shipping Method", "Created at",
         "Lineitem quantity", "Lineitem name", "Lineitem price", "Billing Name",
         "Shipping Name", "Shipping City", "Shipping Zip", "Shipping Country", "Shipping Phone"],
        ["#1001", "ann@shop.test", "paid", "2025-03-01 10:00:00 +0100", "fulfilled",
         "2025-03-04 09:00:00 +0100", "no", "EUR", "20.00", "4.90", "3.80", "28.70", "", "0.00",
         "Standard", "2025-03-01 09:58:00 +0100", "1", "Mug", "20.00", "Ann Archer",
         "Ann Archer", "Berlin", "10115", "DE", "+49 30 1234567"],
        ["#1002", "bob@shop.test", "paid", "2025-03-02 11:00:00 +0100", "unfulfilled", "",
         "yes", "EUR", "10.00", "4.90", "1.90", "16.80", "", "0.00", "Standard",
         "2025-03-02 10:59:00 +0100", "1", "Cup", "10.00", "Bob Baker", "Bob Baker", "Paris",
         "75001", "FR", "+33 1 23 45 67 89"],
    ])  # fmt: skip


def main():
    """Write every fixture."""
    for build in (ebay, ebay_de, etsy, woocommerce, amazon, paypal, shipstation, aftership,
                  trackingmore, pasted, french, excel, libreoffice_like, shopify):  # fmt: skip
        build()


if __name__ == "__main__":
    main()
