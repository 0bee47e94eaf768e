// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ForegroundRegistry} from "./ForegroundRegistry.sol";
import {Side, Tier} from "./IPLedgerTypes.sol";
import {ProjectRegistry} from "./ProjectRegistry.sol";
import {RevenueSplit} from "./RevenueSplit.sol";
import {TieredRights} from "./TieredRights.sol";
import {IRevenueSharingEvents} from "./interfaces/IRevenueSharingEvents.sol";

/// @title RevenueSharing
/// @notice Revenue of foreground assets, credited to partners for pull withdrawal. Core revenue goes
/// through the project's brackets on the asset's cumulative revenue, then to each side by rights bps;
/// application revenue by the profit bps; derivative revenue by the negotiated split, else rights bps.
/// Every credit is floored to wei and the leftover given by largest remainder: Σ credits == payment.
/// @dev Deployed by its ForegroundRegistry, which it trusts only to say which project and tier an asset has.
/// A partner may name a payout address by signature; credits go to the payout address current at crediting.
contract RevenueSharing is IRevenueSharingEvents, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    bytes32 private constant PAYOUT_TYPEHASH = keccak256("Payout(address partner,address payout,uint256 nonce)");
    uint256 private constant BPS = 10_000;

    // ------------------------------------------------------------------ storage

    ProjectRegistry private immutable _registry;
    TieredRights private immutable _rights;
    ForegroundRegistry private immutable _assets;
    mapping(uint256 assetId => uint256) private _cumulative;
    mapping(address token => mapping(address payee => uint256)) private _credits;
    mapping(address partner => address) private _payouts;
    mapping(address partner => uint256) private _payoutNonces;

    // ------------------------------------------------------------------ constructor

    /// @param registry Projects, partners, brackets. @param rights Columns and splits. @param assets The asset book.
    constructor(ProjectRegistry registry, TieredRights rights, ForegroundRegistry assets)
        EIP712("RevenueSharing", "1")
    {
        _registry = registry;
        _rights = rights;
        _assets = assets;
    }

    // ------------------------------------------------------------------ writes

    /// @notice Pay `amount` of revenue for an asset: ether as msg.value, or the project's ERC-20 pulled from the caller.
    function depositRevenue(uint256 assetId, uint256 amount) external payable nonReentrant {
        (uint256 projectId, Tier tier) = _assets.tierOf(assetId);
        if (amount == 0) revert RevenueSharingZeroAmount(assetId);
        address token = _registry.agreementOf(projectId).token;
        uint256 expected = token == address(0) ? amount : 0;
        if (msg.value != expected) revert RevenueSharingWrongValue(expected, msg.value);
        (address[] memory partners, uint256[] memory amounts) = _split(assetId, projectId, tier, amount);
        uint256 cumulative = _cumulative[assetId] + amount;
        _cumulative[assetId] = cumulative;
        emit RevenueReceived(assetId, projectId, msg.sender, amount, cumulative);
        for (uint256 k = 0; k < partners.length; ++k) {
            if (amounts[k] == 0) continue;
            address payee = payoutOf(partners[k]);
            _credits[token][payee] += amounts[k];
            emit RevenueCredited(assetId, partners[k], payee, amounts[k]);
        }
        if (token != address(0)) IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Withdraw the caller's whole ether credit.
    function withdraw() external nonReentrant {
        uint256 amount = _take(address(0));
        (bool sent,) = payable(msg.sender).call{value: amount}("");
        if (!sent) revert RevenueSharingTransferFailed(msg.sender, amount);
    }

    /// @notice Withdraw the caller's whole credit in an ERC-20 token.
    function withdrawToken(IERC20 token) external nonReentrant {
        uint256 amount = _take(address(token));
        token.safeTransfer(msg.sender, amount);
    }

    /// @notice Name the address that receives `partner`'s future credits, with the partner's EIP-712 signature.
    function setPayoutAddress(address partner, address payout, uint256 nonce, bytes calldata signature) external {
        uint256 last = _payoutNonces[partner];
        if (nonce <= last) revert RevenueSharingStalePayout(partner, nonce, last);
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(PAYOUT_TYPEHASH, partner, payout, nonce)));
        address signer = ECDSA.recoverCalldata(digest, signature);
        if (signer != partner) revert RevenueSharingWrongSigner(partner, signer);
        _payoutNonces[partner] = nonce;
        _payouts[partner] = payout;
        emit PayoutAddressSet(partner, payout, nonce);
    }

    // ------------------------------------------------------------------ views

    /// @notice How a payment of `amount` for the asset would be shared now (partners, wei each).
    function previewSplit(uint256 assetId, uint256 amount)
        external
        view
        returns (address[] memory partners, uint256[] memory amounts)
    {
        (uint256 projectId, Tier tier) = _assets.tierOf(assetId);
        return _split(assetId, projectId, tier, amount);
    }

    /// @notice The credit `payee` may withdraw in `token` (address(0) is ether).
    function creditOf(address payee, address token) external view returns (uint256) {
        return _credits[token][payee];
    }

    /// @notice The asset's revenue so far.
    function cumulativeRevenueOf(uint256 assetId) external view returns (uint256) {
        return _cumulative[assetId];
    }

    /// @notice Where `partner`'s credits go: its payout address, or itself.
    function payoutOf(address partner) public view returns (address) {
        address payout = _payouts[partner];
        return payout == address(0) ? partner : payout;
    }

    /// @notice The last payout nonce the partner used.
    function payoutNonceOf(address partner) external view returns (uint256) {
        return _payoutNonces[partner];
    }

    // ------------------------------------------------------------------ internal

    function _take(address token) private returns (uint256 amount) {
        amount = _credits[token][msg.sender];
        if (amount == 0) revert RevenueSharingNothingToWithdraw(msg.sender, token);
        _credits[token][msg.sender] = 0;
        emit Withdrawn(msg.sender, token, amount);
    }

    function _split(uint256 assetId, uint256 projectId, Tier tier, uint256 amount)
        private
        view
        returns (address[] memory partners, uint256[] memory amounts)
    {
        uint16[] memory bps;
        if (tier == Tier.Derivative) {
            TieredRights.NegotiatedSplit memory split = _rights.negotiatedSplitOf(projectId);
            if (split.nonce != 0) (partners, bps) = (split.partners, split.bps);
        }
        if (partners.length == 0) {
            TieredRights.Column memory column = _rights.columnOf(projectId, tier);
            if (column.snapshotId == 0) revert RevenueSharingNoColumn(assetId, projectId, tier);
            partners = column.partners;
            bps = tier == Tier.Application ? column.profitBps : column.rightsBps;
        }
        (uint256[] memory ids, Side[] memory sides) = _members(projectId, partners);
        uint256[] memory numerators = new uint256[](partners.length);
        uint256 denominator = 0;
        if (tier == Tier.Core) {
            uint256 foreign = RevenueSplit.foreignWeighted(_registry.bracketsOf(projectId), _cumulative[assetId], amount);
            denominator = _coreNumerators(numerators, bps, sides, foreign, amount * BPS - foreign);
        }
        if (denominator == 0) {
            denominator = BPS;
            for (uint256 k = 0; k < partners.length; ++k) numerators[k] = amount * bps[k];
        }
        amounts = RevenueSplit.allocate(numerators, denominator, amount, ids);
    }

    /// @dev Partner k of side S gets part_S × bps_k / total_S, all over the common denominator
    /// BPS × totalForeign × totalLocal. A side without bps leaves the whole payment to the rights
    /// bps (returns 0 and fills nothing), since no one could receive that side's part.
    function _coreNumerators(
        uint256[] memory numerators,
        uint16[] memory bps,
        Side[] memory sides,
        uint256 foreignPart,
        uint256 localPart
    ) private pure returns (uint256 denominator) {
        uint256 foreignTotal = 0;
        uint256 localTotal = 0;
        for (uint256 k = 0; k < bps.length; ++k) {
            if (sides[k] == Side.Foreign) foreignTotal += bps[k];
            else localTotal += bps[k];
        }
        if (foreignTotal == 0 || localTotal == 0) return 0;
        for (uint256 k = 0; k < bps.length; ++k) {
            numerators[k] = sides[k] == Side.Foreign
                ? foreignPart * bps[k] * localTotal
                : localPart * bps[k] * foreignTotal;
        }
        return BPS * foreignTotal * localTotal;
    }

    function _members(uint256 projectId, address[] memory partners)
        private
        view
        returns (uint256[] memory ids, Side[] memory sides)
    {
        ids = new uint256[](partners.length);
        sides = new Side[](partners.length);
        for (uint256 k = 0; k < partners.length; ++k) {
            (ids[k], sides[k]) = _registry.partnerOf(projectId, partners[k]);
        }
    }
}
