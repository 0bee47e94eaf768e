// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Tier} from "./IPLedgerTypes.sol";
import {ProjectRegistry} from "./ProjectRegistry.sol";
import {RevenueSharing} from "./RevenueSharing.sol";
import {TieredRights} from "./TieredRights.sol";

/// @title ForegroundRegistry
/// @notice The book of foreground IP: assets created in a project, pooled, each with its tier, and
/// the licences a quorum of partners grants on them. Background IP lives in its own contract with its
/// own ids; the two books never share an id space. Licence fees are revenue of the asset and go to
/// the RevenueSharing contract this registry deploys in its constructor, so no one can rewire them.
contract ForegroundRegistry is EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice A foreground asset: its project, tier, the partner that registered it and its document hash.
    struct Asset {
        uint256 projectId;
        Tier tier;
        address registrant;
        bytes32 assetHash;
    }

    /// @notice A licence on an asset for one territory and one industry, against a one-off fee.
    struct Licence {
        uint256 assetId;
        address licensee;
        bytes2 territory;
        bytes4 industry;
        uint256 fee;
        bool paid;
    }

    bytes32 private constant LICENCE_TYPEHASH = keccak256(
        "Licence(uint256 projectId,uint256 assetId,address licensee,bytes2 territory,bytes4 industry,uint256 fee,uint256 licenceId)"
    );

    // ------------------------------------------------------------------ errors

    /// @notice The account is not a partner of the project.
    error ForegroundRegistryNotPartner(uint256 projectId, address account);
    /// @notice The project was terminated.
    error ForegroundRegistryTerminated(uint256 projectId);
    /// @notice The project has an asset with this hash already.
    error ForegroundRegistryDuplicateAsset(uint256 projectId, bytes32 assetHash, uint256 assetId);
    /// @notice No foreground asset has this id.
    error ForegroundRegistryUnknownAsset(uint256 assetId);
    /// @notice A core asset may be licensed only for the project's territories.
    error ForegroundRegistryTerritoryNotAllowed(uint256 assetId, bytes2 territory, Tier tier);
    /// @notice An application asset may be licensed only for the project's industries.
    error ForegroundRegistryIndustryNotAllowed(uint256 assetId, bytes4 industry, Tier tier);
    /// @notice A licence needs a licensee.
    error ForegroundRegistryZeroLicensee(uint256 assetId);
    /// @notice No licence has this id.
    error ForegroundRegistryUnknownLicence(uint256 licenceId);
    /// @notice The licence's fee was paid already, or it has none.
    error ForegroundRegistryNothingToPay(uint256 licenceId);
    /// @notice The ether sent does not match: the fee for an ETH project, 0 for an ERC-20 one.
    error ForegroundRegistryWrongValue(uint256 expected, uint256 sent);

    // ------------------------------------------------------------------ events

    /// @notice A partner registered a foreground asset.
    event AssetRegistered(
        uint256 indexed assetId, uint256 indexed projectId, Tier tier, bytes32 assetHash, address indexed registrant
    );
    /// @notice A quorum granted a licence.
    event LicenceGranted(
        uint256 indexed licenceId,
        uint256 indexed assetId,
        address indexed licensee,
        bytes2 territory,
        bytes4 industry,
        uint256 fee
    );
    /// @notice A licence's fee was paid and forwarded to revenue sharing.
    event LicenceFeePaid(uint256 indexed licenceId, uint256 indexed assetId, address indexed payer, uint256 fee);

    // ------------------------------------------------------------------ storage

    ProjectRegistry private immutable _registry;
    RevenueSharing private immutable _revenue;
    uint256 private _assetCount;
    uint256 private _licenceCount;
    mapping(uint256 assetId => Asset) private _assets;
    mapping(uint256 projectId => mapping(bytes32 assetHash => uint256 assetId)) private _byHash;
    mapping(uint256 licenceId => Licence) private _licences;

    // ------------------------------------------------------------------ constructor

    /// @param registry Projects and partners. @param rights The columns revenue is shared by.
    constructor(ProjectRegistry registry, TieredRights rights) EIP712("ForegroundRegistry", "1") {
        _registry = registry;
        _revenue = new RevenueSharing(registry, rights, this);
    }

    // ------------------------------------------------------------------ writes

    /// @notice Register a foreground asset of the caller's project; the caller must be a partner.
    function registerAsset(uint256 projectId, Tier tier, bytes32 assetHash) external returns (uint256 assetId) {
        (uint16 partnerId,) = _registry.partnerOf(projectId, msg.sender);
        if (partnerId == 0) revert ForegroundRegistryNotPartner(projectId, msg.sender);
        if (_registry.isTerminated(projectId)) revert ForegroundRegistryTerminated(projectId);
        uint256 existing = _byHash[projectId][assetHash];
        if (existing != 0) revert ForegroundRegistryDuplicateAsset(projectId, assetHash, existing);
        assetId = ++_assetCount;
        _assets[assetId] = Asset(projectId, tier, msg.sender, assetHash);
        _byHash[projectId][assetHash] = assetId;
        emit AssetRegistered(assetId, projectId, tier, assetHash, msg.sender);
    }

    /// @notice Grant a licence signed by a quorum of partners (ascending order); the signed licence id is
    /// the next one, so a signature works once. Core: listed territories only; application: listed industries.
    function grantLicence(
        uint256 assetId,
        address licensee,
        bytes2 territory,
        bytes4 industry,
        uint256 fee,
        bytes[] calldata signatures
    ) external returns (uint256 licenceId) {
        Asset storage asset = _asset(assetId);
        uint256 projectId = asset.projectId;
        Tier tier = asset.tier;
        if (licensee == address(0)) revert ForegroundRegistryZeroLicensee(assetId);
        if (_registry.isTerminated(projectId)) revert ForegroundRegistryTerminated(projectId);
        if (tier == Tier.Core && !_registry.territoryAllowed(projectId, territory)) {
            revert ForegroundRegistryTerritoryNotAllowed(assetId, territory, tier);
        }
        if (tier == Tier.Application && !_registry.industryAllowed(projectId, industry)) {
            revert ForegroundRegistryIndustryNotAllowed(assetId, industry, tier);
        }
        licenceId = _licenceCount + 1;
        bytes32 digest = _hashTypedDataV4(
            keccak256(
                abi.encode(LICENCE_TYPEHASH, projectId, assetId, licensee, territory, industry, fee, licenceId)
            )
        );
        _registry.verifyQuorum(projectId, digest, signatures);
        _licenceCount = licenceId;
        _licences[licenceId] = Licence(assetId, licensee, territory, industry, fee, false);
        emit LicenceGranted(licenceId, assetId, licensee, territory, industry, fee);
    }

    /// @notice Pay a licence's fee (anyone may): ether as msg.value, or the project's ERC-20 pulled from the
    /// caller. The fee becomes revenue of the asset in RevenueSharing.
    function payLicenceFee(uint256 licenceId) external payable nonReentrant {
        Licence storage licence = _licences[licenceId];
        uint256 assetId = licence.assetId;
        if (assetId == 0) revert ForegroundRegistryUnknownLicence(licenceId);
        uint256 fee = licence.fee;
        if (licence.paid || fee == 0) revert ForegroundRegistryNothingToPay(licenceId);
        address token = _registry.agreementOf(_assets[assetId].projectId).token;
        uint256 expected = token == address(0) ? fee : 0;
        if (msg.value != expected) revert ForegroundRegistryWrongValue(expected, msg.value);
        licence.paid = true;
        emit LicenceFeePaid(licenceId, assetId, msg.sender, fee);
        if (token == address(0)) {
            _revenue.depositRevenue{value: fee}(assetId, fee);
        } else {
            IERC20(token).safeTransferFrom(msg.sender, address(this), fee);
            IERC20(token).forceApprove(address(_revenue), fee);
            _revenue.depositRevenue(assetId, fee);
        }
    }

    // ------------------------------------------------------------------ views

    /// @notice A foreground asset.
    function assetOf(uint256 assetId) external view returns (Asset memory) {
        return _asset(assetId);
    }

    /// @notice A foreground asset's project and tier (reverts for an unknown asset).
    function tierOf(uint256 assetId) external view returns (uint256 projectId, Tier tier) {
        Asset storage asset = _asset(assetId);
        return (asset.projectId, asset.tier);
    }

    /// @notice A licence.
    function licenceOf(uint256 licenceId) external view returns (Licence memory) {
        if (_licences[licenceId].assetId == 0) revert ForegroundRegistryUnknownLicence(licenceId);
        return _licences[licenceId];
    }

    /// @notice Number of foreground assets and of licences granted.
    function counts() external view returns (uint256 assets, uint256 licences) {
        return (_assetCount, _licenceCount);
    }

    /// @notice The RevenueSharing contract that receives this book's licence fees.
    function revenue() external view returns (RevenueSharing) {
        return _revenue;
    }

    // ------------------------------------------------------------------ internal

    function _asset(uint256 assetId) private view returns (Asset storage asset) {
        asset = _assets[assetId];
        if (asset.projectId == 0) revert ForegroundRegistryUnknownAsset(assetId);
    }
}
