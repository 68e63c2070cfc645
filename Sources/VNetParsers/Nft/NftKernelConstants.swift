/// nf_tables attribute, type and flag numbers of the expressions decoded with their values, named as
/// in linux/netfilter/nf_tables.h (NftKernelConstantsTests reads the installed header and compares).
enum NftKernel {
    /// `enum nft_limit_attributes`, `nft_limit_type`, `nft_limit_flags`.
    enum Limit {
        static let rate = 1, unit = 2, burst = 3, type = 4, flags = 5  // NFTA_LIMIT_*
        static let typeBytes: UInt32 = 1  // NFT_LIMIT_PKT_BYTES
        static let flagInverted: UInt32 = 1  // NFT_LIMIT_F_INV
    }

    /// `enum nft_quota_attributes`, `nft_quota_flags`.
    enum Quota {
        static let bytes = 1, flags = 2  // NFTA_QUOTA_*
        static let flagInverted: UInt32 = 1  // NFT_QUOTA_F_INV
    }

    /// `enum nft_connlimit_attributes`, `nft_connlimit_flags` (nft's `ct count`).
    enum Connlimit {
        static let count = 1, flags = 2  // NFTA_CONNLIMIT_*
        static let flagInverted: UInt32 = 1  // NFT_CONNLIMIT_F_INV
    }

    /// `enum nft_byteorder_attributes`, `nft_byteorder_ops`.
    enum Byteorder {
        static let sreg = 1, dreg = 2, op = 3, size = 5  // NFTA_BYTEORDER_*
        static let hostToNetwork: UInt32 = 1  // NFT_BYTEORDER_HTON
    }

    /// `enum nft_dynset_attributes` (a `meter` is a dynset holding a limit or quota).
    enum Dynset {
        static let setName = 1, keyRegister = 4, timeout = 6, expression = 7  // NFTA_DYNSET_*
    }

    /// `enum nft_set_attributes` NFTA_SET_DESC and `nft_set_desc_attributes` NFTA_SET_DESC_SIZE.
    enum SetDescription {
        static let attribute: UInt16 = 9, size: UInt16 = 1
    }

    /// `enum nft_fib_attributes`, `nft_fib_result`, `nft_fib_flags`.
    enum Fib {
        static let dreg = 1, result = 2, flags = 3  // NFTA_FIB_*
        /// NFT_FIB_RESULT_OIF, _OIFNAME, _ADDRTYPE by nft's result names.
        static let results: [(name: String, number: UInt32)] = [("oif", 1), ("oifname", 2), ("type", 3)]
        /// NFTA_FIB_F_SADDR, _DADDR, _MARK, _IIF, _OIF in the order nft prints them.
        static let keyFlags: [(name: String, bit: UInt32)] = [("saddr", 1), ("daddr", 2), ("mark", 4), ("iif", 8), ("oif", 16)]
        /// NFTA_FIB_F_PRESENT: the result is only whether a route exists (`exists` / `missing`).
        static let flagPresent: UInt32 = 32
    }
}
