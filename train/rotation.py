"""Rotation maths in torch for the losses: 6D ↔ matrix (Gram-Schmidt) and geodesic distance.

The 6D layout is the project's: the first two columns of the rotation matrix,
``concatenate(R[..., :, 0], R[..., :, 1])``. A pose vector is
``[translation (3) | 24 joints x 6D]`` (see :mod:`livedual.const`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from livedual.const import N_JOINTS, ROT6D_DIM, ROTATIONS, TRANSL

NORM_EPS = 1e-8  # floor of a column's length before it is divided by it
# atan2 needs a non-zero sine to have a gradient; this is far below float32 resolution of
# an angle and keeps d(theta^2) finite (it is 0) at identical rotations.
SINE_EPS = 1e-12


def rot6d_to_matrix(rot6d: torch.Tensor) -> torch.Tensor:
    """Rotation matrices from (unnormalised) 6D vectors by Gram-Schmidt.

    Parameters
    ----------
    rot6d : torch.Tensor [shape=(..., 6)]
        First column then second column of the matrix, in any length and angle.

    Returns
    -------
    matrix : torch.Tensor [shape=(..., 3, 3)]
        Orthonormal with determinant +1; its columns are ``b1, b2, b1 x b2``.
    """
    a1, a2 = rot6d[..., :3], rot6d[..., 3:]
    b1 = F.normalize(a1, dim=-1, eps=NORM_EPS)
    b2 = F.normalize(a2 - (b1 * a2).sum(-1, keepdim=True) * b1, dim=-1, eps=NORM_EPS)
    b3 = _cross(b1, b2)
    return torch.stack([b1, b2, b3], dim=-1)  # (..., 3, 3), columns b1 b2 b3


def _cross(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Cross product over the last axis (written out: several times faster than linalg.cross on CPU)."""
    ax, ay, az = a.unbind(-1)
    bx, by, bz = b.unbind(-1)
    return torch.stack(
        [ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx], dim=-1
    )


def matrix_to_rot6d(matrix: torch.Tensor) -> torch.Tensor:
    """The 6D vectors [shape=(..., 6)] of rotation matrices [shape=(..., 3, 3)]."""
    return torch.cat([matrix[..., :, 0], matrix[..., :, 1]], dim=-1)


def normalise_rot6d(rot6d: torch.Tensor) -> torch.Tensor:
    """Project 6D vectors [shape=(..., 6)] onto valid rotations (unit, orthogonal columns)."""
    return matrix_to_rot6d(rot6d_to_matrix(rot6d))


def split_pose(pose: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Translation [shape=(..., 3)] and joint 6D [shape=(..., 24, 6)] of poses [shape=(..., 147)]."""
    rot6d = pose[..., ROTATIONS].unflatten(-1, (N_JOINTS, ROT6D_DIM))  # (..., 24, 6)
    return pose[..., TRANSL], rot6d


def normalise_pose(pose: torch.Tensor) -> torch.Tensor:
    """Poses [shape=(..., 147)] with every joint's 6D made a valid rotation."""
    transl, rot6d = split_pose(pose)
    return torch.cat([transl, normalise_rot6d(rot6d).flatten(-2)], dim=-1)  # (..., 147)


def geodesic_sq(r1: torch.Tensor, r2: torch.Tensor) -> torch.Tensor:
    """Squared angle (radians²) of the rotation between matrices [shape=(..., 3, 3)].

    Uses ``atan2(sin, cos)`` of the relative rotation, which stays accurate and
    differentiable near 0 and pi where ``arccos`` is not.
    """
    rel = r1.transpose(-1, -2) @ r2  # (..., 3, 3)
    cos = (rel.diagonal(dim1=-2, dim2=-1).sum(-1) - 1.0) / 2.0
    axis = torch.stack(
        [
            rel[..., 2, 1] - rel[..., 1, 2],
            rel[..., 0, 2] - rel[..., 2, 0],
            rel[..., 1, 0] - rel[..., 0, 1],
        ],
        dim=-1,
    )  # (..., 3) = 2 sin(theta) * unit axis
    sin = torch.sqrt((axis * axis).sum(-1) + SINE_EPS) / 2.0
    return torch.atan2(sin, cos) ** 2
