// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Agreement, Bracket, Outcome, Side} from "./IPLedgerTypes.sol";
import {PartnerQuorum} from "./PartnerQuorum.sol";
import {IProjectRegistryEvents} from "./interfaces/IProjectRegistryEvents.sol";

/// @title ProjectRegistry
/// @notice Projects, their agreements and their members. The operator creates a project with its
/// agreement and arbiters; partners join by their own EIP-712 signature over the agreement hash, so
/// the operator alone can never make anyone a partner. Other contracts ask it to check a quorum.
contract ProjectRegistry is IProjectRegistryEvents, Ownable, EIP712, PartnerQuorum {
    struct Project {
        Agreement agreement;
        uint16 partnerCount;
        bool terminated;
    }

    bytes32 private constant JOIN_TYPEHASH =
        keccak256("Join(uint256 projectId,address partner,uint8 side,bytes32 agreementHash)");
    bytes32 private constant TERMINATE_TYPEHASH = keccak256("Terminate(uint256 projectId,bytes32 reason)");
    uint256 private constant BPS = 10_000;

    // ------------------------------------------------------------------ storage

    uint256 private _projectCount;
    mapping(uint256 projectId => Project) private _projects;
    mapping(uint256 projectId => mapping(address account => uint16 partnerId)) private _partnerIds;
    mapping(uint256 projectId => mapping(address account => Side)) private _sides;
    mapping(uint256 projectId => mapping(address account => bool)) private _arbiters;
    mapping(uint256 projectId => mapping(bytes2 territory => bool)) private _territories;
    mapping(uint256 projectId => mapping(bytes4 industry => bool)) private _industries;
    mapping(uint256 projectId => Bracket[]) private _brackets;

    // ------------------------------------------------------------------ constructor

    /// @param operator The account that creates projects.
    constructor(address operator) Ownable(operator) EIP712("ProjectRegistry", "1") {}

    // ------------------------------------------------------------------ writes

    /// @notice Create a project. Territories bind core-asset licences, industries application-asset licences.
    /// @return projectId The new project's id (counting from 1).
    function createProject(
        Agreement calldata agreement,
        address[] calldata arbiters,
        bytes2[] calldata territories,
        bytes4[] calldata industries,
        Bracket[] calldata brackets
    ) external onlyOwner returns (uint256 projectId) {
        _checkAgreement(agreement, arbiters.length);
        _checkBrackets(brackets);
        projectId = ++_projectCount;
        Project storage project = _projects[projectId];
        project.agreement = agreement;
        for (uint256 i = 0; i < territories.length; ++i) _territories[projectId][territories[i]] = true;
        for (uint256 i = 0; i < industries.length; ++i) _industries[projectId][industries[i]] = true;
        for (uint256 i = 0; i < brackets.length; ++i) _brackets[projectId].push(brackets[i]);
        emit ProjectCreated(projectId, agreement.agreementHash, agreement.ledgerSigner);
        for (uint256 i = 0; i < arbiters.length; ++i) {
            _arbiters[projectId][arbiters[i]] = true;
            emit ArbiterNamed(projectId, arbiters[i]);
        }
    }

    /// @notice Join a project as `partner`, with the partner's signature over the agreement hash.
    /// Anyone may submit it; only the signature decides who joins.
    function join(uint256 projectId, address partner, Side side, bytes calldata signature) external {
        Project storage project = _live(projectId);
        if (side == Side.None) revert ProjectRegistryInvalidSide(uint8(side));
        if (_partnerIds[projectId][partner] != 0) revert ProjectRegistryAlreadyPartner(projectId, partner);
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(JOIN_TYPEHASH, projectId, partner, side, project.agreement.agreementHash))
        );
        _requireSigner(digest, signature, partner);
        uint16 partnerId = ++project.partnerCount;
        _partnerIds[projectId][partner] = partnerId;
        _sides[projectId][partner] = side;
        emit PartnerJoined(projectId, partner, partnerId, side);
    }

    /// @notice Terminate the project with a quorum of partner signatures; escrowed funds become refundable.
    function terminate(uint256 projectId, bytes32 reason, bytes[] calldata signatures) external {
        Project storage project = _live(projectId);
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(TERMINATE_TYPEHASH, projectId, reason)));
        _requireQuorum(projectId, digest, signatures, project.agreement.quorum);
        project.terminated = true;
        emit ProjectTerminated(projectId, reason);
    }

    // ------------------------------------------------------------------ views

    /// @notice Revert unless a quorum of the project's partners signed `digest` (signers in ascending order).
    function verifyQuorum(uint256 projectId, bytes32 digest, bytes[] calldata signatures) external view {
        _requireQuorum(projectId, digest, signatures, _known(projectId).agreement.quorum);
    }

    /// @notice Revert unless every partner of the project signed `digest` (signers in ascending order).
    function verifyAllPartners(uint256 projectId, bytes32 digest, bytes[] calldata signatures) external view {
        _requireQuorum(projectId, digest, signatures, _known(projectId).partnerCount);
    }

    /// @notice Revert unless one of the project's arbiters signed `digest`; returns that arbiter.
    function verifyArbiter(uint256 projectId, bytes32 digest, bytes calldata signature) external view returns (address) {
        _known(projectId);
        return _requireArbiter(projectId, digest, signature);
    }

    /// @notice The project's agreement.
    function agreementOf(uint256 projectId) external view returns (Agreement memory) {
        return _known(projectId).agreement;
    }

    /// @notice Number of projects created.
    function projectCount() external view returns (uint256) {
        return _projectCount;
    }

    /// @notice Number of partners that joined the project.
    function partnerCount(uint256 projectId) external view returns (uint256) {
        return _known(projectId).partnerCount;
    }

    /// @notice Whether the project was terminated.
    function isTerminated(uint256 projectId) external view returns (bool) {
        return _known(projectId).terminated;
    }

    /// @notice A partner's id (0 when not a partner) and side.
    function partnerOf(uint256 projectId, address account) external view returns (uint16 partnerId, Side side) {
        return (_partnerIds[projectId][account], _sides[projectId][account]);
    }

    /// @notice Whether `account` is an arbiter of the project.
    function isArbiter(uint256 projectId, address account) external view returns (bool) {
        return _arbiters[projectId][account];
    }

    /// @notice Whether core-asset licences may be granted for `territory` (ISO 3166-1 alpha-2).
    function territoryAllowed(uint256 projectId, bytes2 territory) external view returns (bool) {
        return _territories[projectId][territory];
    }

    /// @notice Whether application-asset licences may be granted for `industry` (ISIC code).
    function industryAllowed(uint256 projectId, bytes4 industry) external view returns (bool) {
        return _industries[projectId][industry];
    }

    /// @notice The core tier's profit-sharing brackets.
    function bracketsOf(uint256 projectId) external view returns (Bracket[] memory) {
        return _brackets[projectId];
    }

    // ------------------------------------------------------------------ internal

    function _isPartner(uint256 projectId, address account) internal view override returns (bool) {
        return _partnerIds[projectId][account] != 0;
    }

    function _isArbiter(uint256 projectId, address account) internal view override returns (bool) {
        return _arbiters[projectId][account];
    }

    function _known(uint256 projectId) private view returns (Project storage project) {
        if (projectId == 0 || projectId > _projectCount) revert ProjectRegistryUnknownProject(projectId);
        return _projects[projectId];
    }

    function _live(uint256 projectId) private view returns (Project storage project) {
        project = _known(projectId);
        if (project.terminated) revert ProjectRegistryTerminated(projectId);
    }

    function _checkAgreement(Agreement calldata a, uint256 arbiterCount) private pure {
        if (a.ledgerSigner == address(0)) revert ProjectRegistryInvalidAgreement("ledgerSigner", 0);
        if (a.coreHi > BPS) revert ProjectRegistryInvalidAgreement("coreHi", a.coreHi);
        if (a.coreLo > a.coreHi) revert ProjectRegistryInvalidAgreement("coreLo", a.coreLo);
        if (a.derivativeLead > BPS) revert ProjectRegistryInvalidAgreement("derivativeLead", a.derivativeLead);
        if (a.quorum == 0) revert ProjectRegistryInvalidAgreement("quorum", 0);
        if (a.arbiterFeeCapBps > BPS) revert ProjectRegistryInvalidAgreement("arbiterFeeCapBps", a.arbiterFeeCapBps);
        if (a.lapseOutcome != Outcome.Uphold && a.lapseOutcome != Outcome.Reject) {
            revert ProjectRegistryInvalidAgreement("lapseOutcome", uint8(a.lapseOutcome));
        }
        if (a.arbiterApproval && arbiterCount == 0) revert ProjectRegistryInvalidAgreement("arbiters", 0);
    }

    function _checkBrackets(Bracket[] calldata brackets) private pure {
        if (brackets.length == 0) revert ProjectRegistryInvalidBrackets(0);
        for (uint256 i = 0; i < brackets.length; ++i) {
            if (brackets[i].foreignBps > BPS) revert ProjectRegistryInvalidBrackets(i);
            if (i > 0 && brackets[i].cap <= brackets[i - 1].cap) revert ProjectRegistryInvalidBrackets(i);
        }
        if (brackets[brackets.length - 1].cap != type(uint256).max) {
            revert ProjectRegistryInvalidBrackets(brackets.length - 1);
        }
    }
}
