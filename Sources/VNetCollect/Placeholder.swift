import CNetlink
import CIPTC
import CNftables
